import { signal } from '@preact/signals';

/** The time relative times are computed against; moves every 20 s while the app is open. */
export const now = signal(Date.now());
setInterval(() => (now.value = Date.now()), 20_000);
