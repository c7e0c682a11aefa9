import { configOrExit, runService } from '@microflack/common';
import { messagesEnv } from './config.js';
import { messagesService } from './service.js';

await runService(messagesService(configOrExit(messagesEnv)));
