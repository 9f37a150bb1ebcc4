/** The `tracer` command (package.json bin → bin/tracer.js → this file): ./tracer.ts on this process's environment and streams. */
import { runTracer } from './tracer';

void runTracer(process.argv.slice(2), { env: process.env, out: (line) => console.log(line), err: (line) => console.error(line) }).then((code) => (process.exitCode = code));
