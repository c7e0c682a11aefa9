import { GENERAL_ID } from './state/models.js';

const CHANNEL_PATH = /^\/c\/([1-9]\d{0,9})\/?$/;

/** The channel a path shows: `/c/<id>`; `/` (and anything else) is #general. */
export function channelInPath(pathname: string): number {
  const id = Number(CHANNEL_PATH.exec(pathname)?.[1]);
  return Number.isSafeInteger(id) ? id : GENERAL_ID;
}

/** The path of channel `id`: what the address bar shows, so reloads and links come back to it. */
export function pathOf(id: number): string {
  return `/c/${id}`;
}
