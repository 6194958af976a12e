#!/usr/bin/env node
// The `gantry` command. Runs the compiled CLI (npm install builds it).
import '../dist/src/cli/bin.js';
