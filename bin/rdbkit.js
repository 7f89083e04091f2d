#!/usr/bin/env node
import('../dist/bundle/rdbkit.js');
