import { configOrExit, runService } from '@microflack/common';
import { uiEnv } from './config.js';
import { uiDefinition } from './definition.js';

await runService(uiDefinition(configOrExit(uiEnv)));
