import { configOrExit, runService } from '@microflack/common';
import { usersEnv } from './config.js';
import { usersService } from './service.js';

await runService(usersService(configOrExit(usersEnv)));
