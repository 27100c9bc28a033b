#!/usr/bin/env node
import { installProcessHandlers, main } from '../dist/cli/main.js';

installProcessHandlers();
process.exitCode = await main(process.argv);
