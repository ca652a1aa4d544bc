import { useState } from 'react';
import { useNotifications } from '@sinyal/react';
import { clockTime } from '../../shared/demo';

export function NotificationBell() {
  const { items, unreadCount, markAllRead, markRead } = useNotifications();
  const [open, setOpen] = useState(false);
  return (
    <span className="bell">
      <button data-testid="bell" aria-label={`${unreadCount} unread notifications`} onClick={() => setOpen(!open)}>
        🔔{unreadCount > 0 && <span className="count" data-testid="unread">{unreadCount}</span>}
      </button>
      {open && (
        <div className="bell-menu" data-testid="bell-menu">
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
            <b>Notifications</b>
            <button disabled={unreadCount === 0} onClick={() => markAllRead()}>Mark all read</button>
          </div>
          <ul>
            {items.length === 0 && <li className="muted">Nothing yet. Add a listing to your wishlist ❤️ to hear about price drops.</li>}
            {items.map((item) => (
              <li key={item.id} className={item.readAt ? '' : 'unread'} onClick={() => !item.readAt && markRead(item.id)}>
                <div>{item.title}</div>
                <div className="muted">{item.body} · {clockTime(item.createdAt)}</div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </span>
  );
}
