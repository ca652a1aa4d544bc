import { memo, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useChat, useConnectionState, useNotifications, useTyping, type ChatMessageView } from '@sinyal/react';
import { formatTime, messageMark, notificationsAbout, type DemoUser } from '../../shared/demo';
import { Icon } from './Icon';

interface Props {
  conversationId: string;
  me: DemoUser;
  names: Record<string, string>;
  /** Who is on the other side ("Sari"), for the empty state and the input's label. */
  otherName: string;
}

export function Chat({ conversationId, me, names, otherName }: Props) {
  const { status, error, conversation, messages, typingUsers, hasOlder, loadingOlder, send, retry, discard, markRead, loadOlder } = useChat(conversationId);
  const group = (conversation?.participants.length ?? 2) > 2; // a sender's name only where it is not obvious
  const { onInput, stop } = useTyping(conversationId);
  const notifications = useNotifications();
  const online = useConnectionState().state === 'open';
  const [text, setText] = useState('');
  const list = useRef<HTMLUListElement>(null);
  const inputId = useId();

  // The conversation is on screen: mark what arrived as read (the sender sees blue ✓✓), and
  // the notifications about it too — nothing here is news to the person looking at it.
  const about = notificationsAbout(notifications.items, conversationId);
  const asked = useRef(new Set<string>());
  const readAll = useRef(() => {});
  readAll.current = () => {
    if (document.visibilityState !== 'visible') return;
    markRead();
    const fresh = about.filter((id) => !asked.current.has(id));
    for (const id of fresh) asked.current.add(id);
    if (fresh.length > 0) notifications.markRead(fresh);
  };
  useEffect(() => {
    readAll.current();
  }, [messages, about.join(',')]);
  useEffect(() => {
    const onVisible = () => readAll.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, []);
  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight }); // (returns a promise in new Chromium: keep the braces)
  }, [messages.length]);

  if (status === 'error') return <p className="alert error" role="alert"><Icon name="alert" /> <span>The chat is unavailable: {error?.message}</span></p>;
  if (status !== 'ready') return <p className="muted" aria-busy="true">Loading the conversation…</p>;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = text.trim();
    if (!value) return;
    stop();
    send(value); // shown at once; queued while offline, sent once when back
    setText('');
  };

  return (
    <div className="chat" data-testid="chat" data-conversation={conversationId}>
      {hasOlder && <button type="button" className="older" disabled={loadingOlder} onClick={() => void loadOlder()}>Load older messages</button>}
      {messages.length === 0 && (
        <p className="chat-empty" data-testid="chat-empty">
          <Icon name="chat" />
          {me.role === 'buyer' ? `No messages yet. Ask ${otherName} about viewings, the price or the auction.` : `No messages yet with ${otherName}.`}
        </p>
      )}
      <ul className="messages" ref={list} aria-label="Messages" hidden={messages.length === 0}>
        {messages.map((message) => (
          <Message key={message.key} message={message} mine={message.senderId === me.id} online={online} sender={group ? (names[message.senderId] ?? message.senderId) : null} onRetry={retry} onDiscard={discard} />
        ))}
      </ul>
      <div className="typing" data-testid="typing" aria-live="polite">
        {typingUsers.length > 0 && `${typingUsers.map((id) => names[id] ?? id).join(', ')} is typing…`}
      </div>
      <form onSubmit={submit}>
        <label htmlFor={inputId} className="sr-only">Message to {otherName}</label>
        <input
          id={inputId}
          data-testid="chat-input"
          placeholder="Write a message…"
          autoComplete="off"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            onInput();
          }}
          onBlur={stop}
        />
        <button className="primary" data-testid="chat-send"><Icon name="send" /> Send</button>
      </form>
    </div>
  );
}

const Message = memo(function Message({ message, mine, online, sender, onRetry, onDiscard }: {
  message: ChatMessageView;
  mine: boolean;
  online: boolean;
  sender: string | null;
  onRetry: (clientMessageId: string) => void;
  onDiscard: (clientMessageId: string) => void;
}) {
  const pending = message.status === 'sending';
  const mark = messageMark(message.status, online);
  return (
    <li className={`msg${mine ? ' mine' : ''}${pending ? ' pending' : ''}`} data-testid="message" data-status={message.status} data-mine={mine}>
      {!mine && sender && <div className="sender">{sender}</div>}
      <div className="text">{message.text}</div>
      <div className="meta">
        <time dateTime={new Date(message.createdAt).toISOString()}>{formatTime(message.createdAt)}</time>
        {mine && (
          <span className={`mark ${message.status}`} data-testid="mark" title={mark.label}>
            <Icon name={mark.icon} />
            <span className={mark.shown ? undefined : 'sr-only'}>{mark.label}</span>
          </span>
        )}
      </div>
      {message.status === 'failed' && message.clientMessageId && (
        <div className="actions">
          <span className="muted">{message.error?.message}</span>
          <button type="button" onClick={() => onRetry(message.clientMessageId!)}>Retry</button>
          <button type="button" onClick={() => onDiscard(message.clientMessageId!)}>Discard</button>
        </div>
      )}
    </li>
  );
});
