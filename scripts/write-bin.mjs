// The compiled CLI lives at dist/source/cli.js (tsc keeps the source tree under dist/).
// package.json's bin points at dist/cli.js, a stable path that just loads it.
import {chmodSync, writeFileSync} from 'node:fs';

const bin = new URL('../dist/cli.js', import.meta.url);
writeFileSync(bin, "#!/usr/bin/env node\nimport './source/cli.js';\n");
chmodSync(bin, 0o755);
