// Money and time as the example apps, the bots, the tour and the example server's
// notification texts show them: one locale, Intl formatters, nothing hand-made.
// Plain JavaScript so Node runs it as is (bots, tour, server) and Vite bundles it (apps).

/**
 * The one locale setting: British English — the apps' language is English; prices read
 * "Rp 5,335,000,000" and times "16:05" (24-hour, as in Indonesia). Change it here and
 * every screen, bot line and notification follows.
 */
export const LOCALE = 'en-GB';
/** Currency of the demo listings and auctions. */
export const CURRENCY = 'IDR';

const moneyFormats = new Map();
const moneyFormat = (currency) => {
  let format = moneyFormats.get(currency);
  if (!format) {
    // narrowSymbol: "Rp" rather than "IDR"; whole rupiah (nobody prices a house in sen).
    format = new Intl.NumberFormat(LOCALE, { style: 'currency', currency, currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0, minimumFractionDigits: 0 });
    moneyFormats.set(currency, format);
  }
  return format;
};
const timeFormat = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayTimeFormat = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const percentFormat = new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const plainPercentFormat = new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 1 });
const integerFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

/** "Rp 5,335,000,000"; "–" for a missing amount. */
export function formatPrice(amount, currency = CURRENCY) {
  if (amount == null || !Number.isFinite(amount)) return '–';
  return moneyFormat(currency).format(amount);
}

/** "16:05" (the device's time zone). */
export function formatTime(at) {
  return timeFormat.format(at);
}

/** "Sat 14 Jun, 10:00". */
export function formatDayTime(at) {
  return dayTimeFormat.format(at);
}

/** A change in percent: "−3%", "+2.5%" (signed). */
export function formatChange(percentage) {
  return percentFormat.format(percentage / 100);
}

/** A percentage without sign: "3%". */
export function formatPercent(percentage) {
  return plainPercentFormat.format(Math.abs(percentage) / 100);
}

/** "320" → "320", 12000 → "12,000". */
export function formatNumber(value) {
  return integerFormat.format(value);
}

/** Time left on a countdown: "0:48", "12:05", "1:02:05". */
export function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** "1 bid", "3 bids". */
export function plural(count, one, many = `${one}s`) {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}
