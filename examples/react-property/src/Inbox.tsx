import { useChatList, useUserStatus } from '@sinyal/react';
import { formatTime, initials, presenceText, type DemoUser } from '../../shared/demo';
import { AgentStatusControl } from './AgentStatusControl';
import { Chat } from './Chat';
import { Icon } from './Icon';

/**
 * The agent's inbox: conversations by last activity with unread counts, and the open one.
 * On a phone it is one or the other: the list, or the conversation with a way back.
 */
export function Inbox({ me, selected, names }: { me: DemoUser; selected: string | undefined; names: Record<string, string> }) {
  const { status, conversations, totalUnread } = useChatList();
  const other = (participants: readonly string[]) => participants.filter((id) => id !== me.id).map((id) => names[id] ?? id).join(', ');
  const open = conversations.find((c) => c.id === selected);
  const openName = open ? other(open.participants) : 'the buyer';
  const others = open?.participants.filter((id) => id !== me.id) ?? [];
  return (
    <>
      <div className="inbox-head">
        <div>
          <h1>Inbox</h1>
          <p className="muted">{totalUnread > 0 ? `${totalUnread} unread ${totalUnread === 1 ? 'message' : 'messages'}` : 'You are up to date'}</p>
        </div>
        <AgentStatusControl me={me} />
      </div>
      <div className={`inbox${selected ? ' has-selection' : ''}`}>
        <section className="panel conversations" aria-label="Conversations">
          {status !== 'ready' && <p className="muted" aria-busy="true">Loading conversations…</p>}
          <ul data-testid="inbox">
            {conversations.map((c) => {
              const name = other(c.participants);
              return (
                <li key={c.id}>
                  <a aria-current={c.id === selected ? 'true' : undefined} href={`${location.search}#/chat/${c.id}`} data-testid={`conversation-${c.id}`}>
                    <span className="avatar" aria-hidden="true">{initials(name)}</span>
                    <span className="line">
                      <b>
                        <span>{name}</span>
                        {c.unread > 0 ? <span className="badge" aria-label={`${c.unread} unread`}>{c.unread}</span> : c.lastMessage && <span className="muted">{formatTime(c.lastMessage.createdAt)}</span>}
                      </b>
                      <span className="preview">{c.lastMessage?.text ?? 'No messages yet'}</span>
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        </section>
        <section className="panel conversation" aria-label={selected ? `Conversation with ${openName}` : 'Conversation'}>
          {selected ? (
            <>
              <div className="conversation-head">
                <a className="back" href={`${location.search}#/inbox`}><Icon name="back" /> <span className="sr-only">Back to all conversations</span></a>
                {others.length === 1 ? (
                  <ChatPartner userId={others[0]!} name={openName} />
                ) : (
                  <>
                    <span className="avatar" aria-hidden="true">{initials(openName)}</span>
                    <h2>{openName}</h2>
                  </>
                )}
              </div>
              <Chat key={selected} conversationId={selected} me={me} names={names} otherName={openName} />
            </>
          ) : (
            <p className="placeholder"><Icon name="inbox" /> Pick a conversation to read and answer it.</p>
          )}
        </section>
      </div>
    </>
  );
}

/** The other person of an open conversation: name and live status ("Online", "Away", "Offline · last seen 15:02"). */
function ChatPartner({ userId, name }: { userId: string; name: string }) {
  const status = presenceText(useUserStatus(userId));
  return (
    <>
      <span className="avatar" aria-hidden="true">{initials(name)}{status && <span className={`presence ${status.tone}`} />}</span>
      <span className="who">
        <h2>{name}</h2>
        {status && <span className={`status ${status.tone}`} data-testid="chat-partner-status">{status.text}</span>}
      </span>
    </>
  );
}
