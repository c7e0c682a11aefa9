import type { z } from 'zod';
import { baseEnv } from '@microflack/common';

/** The environment of the socketio service: the common variables only. */
export const socketioEnv = { ...baseEnv };

/** The parsed configuration of the socketio service. */
export type SocketioConfig = z.infer<z.ZodObject<typeof socketioEnv>>;
