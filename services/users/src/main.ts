import { configOrExit, runService } from '@microflack/common';
import { usersEnv } from './config.js';
import { usersDefinition } from './definition.js';

await runService(usersDefinition(configOrExit(usersEnv)));
