// The compiled CLI lives at dist/source/cli.js (tsc keeps the source tree under dist/).
// package.json's bin points at dist/cli.js, a stable path that just loads it.
import {chmodSync, writeFileSync} from 'node:fs';

const bin = new URL('../dist/cli.js', import.meta.url);
// React and Ink pick their production builds from NODE_ENV when they are first loaded, so it is
// set here, before the CLI's imports; the development builds made every TUI frame slower.
writeFileSync(bin, "#!/usr/bin/env node\nprocess.env.NODE_ENV ??= 'production';\nawait import('./source/cli.js');\n");
chmodSync(bin, 0o755);
