#!/usr/bin/env node
// Node 24 runs the TypeScript sources directly (type stripping): there is no build step.
import { runCli } from '../src/cli.ts';

await runCli(process.argv);
