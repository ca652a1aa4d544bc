import { useEffect, useRef, useState } from 'react';
import { useNotifications } from '@sinyal/react';
import { formatTime, notificationHref, type DemoUser } from '../../shared/demo';
import type { IconName } from '../../shared/icons';
import { Icon } from './Icon';
import { PushToggle } from './PushToggle';

const ICON_OF: Record<string, IconName> = { property_alert: 'down', message: 'chat', appointment: 'calendar', transaction: 'check' };

export function NotificationBell({ me }: { me: DemoUser }) {
  const { items, unreadCount, markAllRead, markRead } = useNotifications();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLSpanElement>(null);
  // Closes on Escape and on a click outside.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    const onClick = (event: MouseEvent) => !root.current?.contains(event.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
    };
  }, [open]);
  return (
    <span className="bell" ref={root}>
      <button type="button" data-testid="bell" aria-expanded={open} aria-label={unreadCount > 0 ? `Notifications, ${unreadCount} unread` : 'Notifications'} onClick={() => setOpen(!open)}>
        <Icon name="bell" />
        {unreadCount > 0 && <span className="count" data-testid="unread" aria-hidden="true">{unreadCount}</span>}
      </button>
      {open && (
        <div className="bell-menu" data-testid="bell-menu" role="region" aria-label="Notifications">
          <header>
            <h2>Notifications</h2>
            <button type="button" disabled={unreadCount === 0} onClick={() => markAllRead()}>Mark all read</button>
          </header>
          <PushToggle />
          {items.length === 0 ? (
            <p className="empty">Nothing yet. Save a listing to your wishlist to hear about its price drops.</p>
          ) : (
            <ul>
              {items.map((item) => {
                const href = notificationHref(item, me.role);
                const body = (
                  <>
                    <Icon name={item.type === 'price_increase' ? 'up' : ICON_OF[item.category] ?? 'bell'} />
                    <span>
                      <span className="title">{item.title}</span>
                      <span className="body">{item.body} · {formatTime(item.createdAt)}</span>
                    </span>
                  </>
                );
                const onOpen = () => !item.readAt && markRead(item.id);
                const className = `note-item${item.readAt ? '' : ' unread'}`;
                return (
                  <li key={item.id}>
                    {href ? (
                      <a className={className} href={href} onClick={() => (onOpen(), setOpen(false))}>{body}</a>
                    ) : (
                      <button type="button" className={className} onClick={onOpen}>{body}</button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </span>
  );
}
