#!/usr/bin/env node
import { installProcessHandlers, main } from '../dist/bundle/main.js';

installProcessHandlers();
process.exitCode = await main(process.argv);
