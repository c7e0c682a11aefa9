import { configOrExit, runService } from '@microflack/common';
import { socketioEnv } from './config.js';
import { socketioDefinition } from './definition.js';

await runService(socketioDefinition(configOrExit(socketioEnv)));
