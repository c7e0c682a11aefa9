import { channelRoom, type Broadcaster } from '@microflack/common';
import { GENERAL_ID, type ChannelEvents, type ChannelModel } from './channels.js';
import type { MessageEvents } from './messages.js';

/**
 * The room a channel's events go to; none for #general, whose events go to every client (so a
 * client that knows no channels keeps working there).
 */
function roomOf(channelId: number): string | undefined {
  return channelId === GENERAL_ID ? undefined : channelRoom(channelId);
}

/**
 * Messages' events on the Socket.IO emitter, each to its channel's room only (docs/events.md):
 * a message and its deletion to the members of its channel.
 */
export function messageBroadcasts(broadcaster: Broadcaster): MessageEvents {
  return {
    updated: (message) => broadcaster.updated('Message', message, roomOf(message.channel_id)),
    deleted: (id, channelId) => broadcaster.deleted(id, roomOf(channelId)),
  };
}

/**
 * Channels' events on the Socket.IO emitter: membership changes move the member's sockets, on
 * every instance, into or out of the channel's room; a private or direct channel's updates go to
 * its room, a public channel's to every client (anyone may see and join it).
 */
export function channelBroadcasts(broadcaster: Broadcaster): ChannelEvents {
  return {
    updated: (channel: ChannelModel) =>
      broadcaster.updated(
        'Channel',
        channel,
        channel.kind === 'public' ? undefined : roomOf(channel.id),
      ),
    joined: (channelId, userIds) => {
      for (const userId of userIds) broadcaster.joinRoom(userId, channelRoom(channelId));
    },
    left: (channelId, userId) => broadcaster.leaveRoom(userId, channelRoom(channelId)),
  };
}
