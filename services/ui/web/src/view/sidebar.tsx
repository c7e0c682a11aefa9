import type { ChatSession } from '../chat.js';
import { nickColour } from '../format/colour.js';
import { pathOf } from '../route.js';
import { channelLabel, sidebarChannels, type Channel } from '../state/channels.js';
import { onlineUsers } from '../state/users.js';
import { NewChannel } from './new-channel.js';

/** The unread and mention counts of a channel, read out as words. */
function Badges({ channel }: { channel: Channel }) {
  const { unread, mentions } = channel;
  return (
    <>
      {mentions > 0 && (
        <span class="badge mentions" title={`${mentions} unread mentions of you`}>
          <span aria-hidden="true">@</span>
          {mentions}
          <span class="visually-hidden"> mentions</span>
        </span>
      )}
      {unread > 0 && (
        <span class="badge unread">
          {unread}
          <span class="visually-hidden"> unread</span>
        </span>
      )}
    </>
  );
}

/** One channel of the sidebar: a link to `/c/<id>`, marked when shown, with its counts. */
function ChannelLink(props: { chat: ChatSession; channel: Channel; onOpen: () => void }) {
  const { chat, channel } = props;
  const label = channelLabel(channel, chat.users.value, chat.session.userId);
  const current = channel.id === chat.channelId.value;
  const unread = channel.unread > 0 ? ' unread' : '';
  return (
    <li class={`channel${unread}${channel.member === false ? ' outside' : ''}`}>
      <a
        href={pathOf(channel.id)}
        aria-current={current ? 'page' : undefined}
        onClick={(event) => {
          // A plain click opens it here; a modified one (new tab, new window) is the browser's.
          if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
          event.preventDefault();
          chat.open(channel.id);
          props.onOpen();
        }}
      >
        <span class="name">{label}</span>
        {channel.kind === 'private' && <span class="tag">private</span>}
        <Badges channel={channel} />
      </a>
    </li>
  );
}

/**
 * The people online, yourself first; a button next to each other person opens your direct
 * messages with them.
 */
function People(props: { chat: ChatSession; onOpen: () => void }) {
  const { chat } = props;
  const people = onlineUsers(chat.users.value, chat.session.userId);
  return (
    <section class="people" aria-labelledby="people-title">
      <h2 id="people-title">
        Online <span class="count">{people.length}</span>
      </h2>
      <ul aria-labelledby="people-title">
        {people.map((user) => (
          <li key={user.id} class="person">
            <span class="dot" aria-hidden="true" />
            <span class={`nick nick-${nickColour(user.nickname)}`}>{user.nickname}</span>
            {user.id === chat.session.userId ? (
              <span class="you"> (you)</span>
            ) : (
              <button
                type="button"
                class="quiet dm"
                aria-label={`Message ${user.nickname}`}
                onClick={() => void chat.directory.directTo(user.id).then(props.onOpen)}
              >
                Message
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The channels and direct messages I have, with their counts, and who is online. */
export function Sidebar(props: { chat: ChatSession; open: boolean; onOpen: () => void }) {
  const { chat, onOpen } = props;
  const { named, direct } = sidebarChannels(
    chat.directory.channels.value,
    chat.users.value,
    chat.session.userId,
  );
  return (
    <nav id="sidebar" class={`sidebar${props.open ? ' open' : ''}`} aria-label="Channels">
      <section aria-labelledby="channels-title">
        <h2 id="channels-title">Channels</h2>
        <ul class="channels" aria-labelledby="channels-title">
          {named.map((channel) => (
            <ChannelLink key={channel.id} chat={chat} channel={channel} onOpen={onOpen} />
          ))}
        </ul>
        <NewChannel chat={chat} onCreated={onOpen} />
      </section>
      <section aria-labelledby="direct-title">
        <h2 id="direct-title">Direct messages</h2>
        <ul class="channels" aria-labelledby="direct-title">
          {direct.map((channel) => (
            <ChannelLink key={channel.id} chat={chat} channel={channel} onOpen={onOpen} />
          ))}
        </ul>
        {direct.length === 0 && <p class="hint">Message someone online to start one.</p>}
      </section>
      <People chat={chat} onOpen={onOpen} />
    </nav>
  );
}
