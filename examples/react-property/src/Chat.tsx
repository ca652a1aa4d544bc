import { memo, useEffect, useRef, useState, type FormEvent } from 'react';
import { useChat, useConnectionState, useTyping, type ChatMessageView } from '@sinyal/react';
import { clockTime, messageMark, type DemoUser } from '../../shared/demo';

interface Props {
  conversationId: string;
  me: DemoUser;
  names: Record<string, string>;
}

export function Chat({ conversationId, me, names }: Props) {
  const { status, error, messages, typingUsers, hasOlder, loadingOlder, send, retry, discard, markRead, loadOlder } = useChat(conversationId);
  const { onInput, stop } = useTyping(conversationId);
  const online = useConnectionState().state === 'open';
  const [text, setText] = useState('');
  const list = useRef<HTMLUListElement>(null);

  // The conversation is on screen: mark what arrived as read (the sender sees blue ✓✓).
  useEffect(() => {
    if (document.visibilityState === 'visible') markRead();
  }, [messages, markRead]);
  useEffect(() => {
    const onVisible = () => document.visibilityState === 'visible' && markRead();
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [markRead]);
  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight }); // (returns a promise in new Chromium: keep the braces)
  }, [messages.length]);

  if (status === 'error') return <p className="alert outbid" role="alert">Chat unavailable: {error?.message}</p>;
  if (status !== 'ready') return <p className="muted">Loading chat…</p>;

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
      {hasOlder && <button disabled={loadingOlder} onClick={() => void loadOlder()}>Older messages</button>}
      <ul className="messages" ref={list}>
        {messages.map((message) => (
          <Message key={message.key} message={message} mine={message.senderId === me.id} online={online} sender={names[message.senderId] ?? message.senderId} onRetry={retry} onDiscard={discard} />
        ))}
      </ul>
      <div className="typing" data-testid="typing">
        {typingUsers.length > 0 && `${typingUsers.map((id) => names[id] ?? id).join(', ')} is typing…`}
      </div>
      <form onSubmit={submit}>
        <input
          data-testid="chat-input"
          placeholder="Write a message…"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            onInput();
          }}
          onBlur={stop}
        />
        <button className="primary" data-testid="chat-send">Send</button>
      </form>
    </div>
  );
}

const Message = memo(function Message({ message, mine, online, sender, onRetry, onDiscard }: {
  message: ChatMessageView;
  mine: boolean;
  online: boolean;
  sender: string;
  onRetry: (clientMessageId: string) => void;
  onDiscard: (clientMessageId: string) => void;
}) {
  const pending = message.status === 'sending';
  return (
    <li className={`msg${mine ? ' mine' : ''}${pending ? ' pending' : ''}`} data-testid="message" data-status={message.status} data-mine={mine}>
      {!mine && <div className="muted" style={{ fontSize: 12 }}>{sender}</div>}
      <div className="text">{message.text}</div>
      <div className="meta">
        {clockTime(message.createdAt)}{' '}
        {mine && <span className={`mark ${message.status}`} data-testid="mark">{messageMark(message.status, online)}</span>}
        {message.status === 'failed' && message.clientMessageId && (
          <>
            {' '}<span className="muted">{message.error?.message}</span>{' '}
            <button onClick={() => onRetry(message.clientMessageId!)}>Retry</button>{' '}
            <button onClick={() => onDiscard(message.clientMessageId!)}>Discard</button>
          </>
        )}
      </div>
    </li>
  );
});
