import { useChatList } from '@sinyal/react';
import type { DemoUser } from '../../shared/demo';
import { Chat } from './Chat';

/** The agent's inbox: conversations by last activity with unread counts, and the open one. */
export function Inbox({ me, selected, names }: { me: DemoUser; selected: string | undefined; names: Record<string, string> }) {
  const { status, conversations, totalUnread } = useChatList();
  return (
    <div className="inbox">
      <section className="panel">
        <h2>Inbox {totalUnread > 0 && <span className="badge">{totalUnread}</span>}</h2>
        {status !== 'ready' && <p className="muted">Loading…</p>}
        <ul data-testid="inbox">
          {conversations.map((c) => {
            const other = c.participants.filter((id) => id !== me.id).map((id) => names[id] ?? id).join(', ');
            return (
              <li key={c.id}>
                <a className={c.id === selected ? 'active' : ''} href={`${location.search}#/chat/${c.id}`} data-testid={`conversation-${c.id}`}>
                  <b>{other}</b> {c.unread > 0 && <span className="badge">{c.unread}</span>}
                  <div className="muted" style={{ fontSize: 13, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>{c.lastMessage?.text ?? c.title}</div>
                </a>
              </li>
            );
          })}
        </ul>
      </section>
      <section className="panel">
        {selected ? <Chat key={selected} conversationId={selected} me={me} names={names} /> : <p className="muted">Pick a conversation.</p>}
      </section>
    </div>
  );
}
