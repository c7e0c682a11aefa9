import { configOrExit, runService } from '@microflack/common';
import { messagesEnv } from './config.js';
import { messagesDefinition } from './definition.js';

await runService(messagesDefinition(configOrExit(messagesEnv)));
