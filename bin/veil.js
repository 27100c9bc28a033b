#!/usr/bin/env node
import { loadCli } from '../dist/cli/code-cache.js';

const { cli } = loadCli();
cli.installProcessHandlers();
process.exitCode = await cli.main(process.argv);
