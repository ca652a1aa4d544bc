import { ICONS, type IconName } from '../../shared/icons';

/** An inline SVG icon (examples/shared/icons.ts); decorative unless given a `label`. */
export function Icon({ name, filled = false, label }: { name: IconName; filled?: boolean; label?: string }) {
  return (
    <svg className={`icon${filled ? ' filled' : ''}`} viewBox="0 0 24 24" focusable="false" {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true })}>
      {ICONS[name].map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}
