import {createContext, useContext} from 'react';

/** Whether the screen uses colours (`"colors": false` in the config file makes it monochrome: bold, dim and inverse stay). */
export const ColorsContext = createContext(true);

/** A colour for Ink's `color`, `backgroundColor` or `borderColor` props, or none on a monochrome screen. */
export function usePaint(): (color: string | undefined) => string | undefined {
	const colors = useContext(ColorsContext);
	return colors ? color => color : () => undefined;
}
