import { configOrExit, runService } from '@microflack/common';
import { tokensEnv } from './config.js';
import { tokensDefinition } from './definition.js';

await runService(tokensDefinition(configOrExit(tokensEnv)));
