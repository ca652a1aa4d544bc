// The examples' icons: 24 × 24 outline drawings (stroke: currentColor, 2 px, round joins),
// drawn for these apps and rendered as inline <svg> by the React and Vue `Icon` components —
// no icon font, no emoji font, the same on every device.

export const ICONS = {
  logo: ['M5 11.6 12 5.8l7 5.8', 'M7 10v8h10v-8', 'M10.5 18v-4h3v4'],
  bell: ['M6 9a6 6 0 0 1 12 0c0 6.5 2.5 8 2.5 8h-17S6 15.5 6 9Z', 'M10 20.5a2.2 2.2 0 0 0 4 0'],
  heart: ['M12 20.5S3.5 15.2 3.5 9.2A4.7 4.7 0 0 1 12 6.6a4.7 4.7 0 0 1 8.5 2.6c0 6-8.5 11.3-8.5 11.3Z'],
  eye: ['M2 12s3.6-6.5 10-6.5S22 12 22 12s-3.6 6.5-10 6.5S2 12 2 12Z', 'M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z'],
  calendar: ['M4.5 5.5h15v15h-15z', 'M4.5 10h15', 'M8.5 3v4', 'M15.5 3v4'],
  bed: ['M3 19V6.5', 'M3 14.5h18V19', 'M21 14.5V12a3 3 0 0 0-3-3h-7v5.5', 'M7 9.3a1.7 1.7 0 1 0 0 3.4 1.7 1.7 0 0 0 0-3.4Z'],
  bath: ['M3.5 12h17v2.5a5 5 0 0 1-5 5h-7a5 5 0 0 1-5-5V12Z', 'M6 12V5.8A2.3 2.3 0 0 1 10.3 5', 'M7 19.5 6 21.5', 'M17 19.5l1 2'],
  area: ['M4 9V4h5', 'M15 4h5v5', 'M20 15v5h-5', 'M9 20H4v-5', 'M4 4l6 6', 'M20 20l-6-6'],
  pin: ['M12 21.5s-7-6-7-12a7 7 0 0 1 14 0c0 6-7 12-7 12Z', 'M12 7a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z'],
  clock: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Z', 'M12 7.5V12l3 2'],
  check: ['M5 12.5 9.5 17 19 7.5'],
  checks: ['M2 12.5 6.5 17 16 7.5', 'M12.5 16l1 1L23 7.5'],
  alert: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Z', 'M12 7.5v5.5', 'M12 16.5v.01'],
  down: ['M3 7l6.5 6.5 4-4L21 17', 'M21 11v6h-6'],
  up: ['M3 17l6.5-6.5 4 4L21 7', 'M21 13V7h-6'],
  send: ['M4 12 20.5 4 14 20.5l-2.5-7Z', 'M11.5 13.5 20.5 4'],
  back: ['M15 5l-7 7 7 7'],
  gavel: ['M13.5 3.5l6 6', 'M9.5 7.5l6 6', 'M11.5 5.5l-3 3 6 6 3-3', 'M11.5 11.5 4 19', 'M3 21.5h8'],
  trophy: ['M8 4h8v5.5a4 4 0 0 1-8 0V4Z', 'M8 6H5a3 3 0 0 0 3.3 4', 'M16 6h3a3 3 0 0 1-3.3 4', 'M12 13.5V17', 'M8.5 20.5h7', 'M10 17h4v3.5h-4z'],
  close: ['M6 6l12 12', 'M18 6 6 18'],
  chat: ['M4 5h16v11H10l-4.5 4v-4H4Z'],
  inbox: ['M3 13.5h5l1.5 2.5h5l1.5-2.5h5', 'M3 13.5 6 5h12l3 8.5V19H3Z'],
  user: ['M12 4a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z', 'M4.5 20.5a7.5 7.5 0 0 1 15 0'],
  info: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Z', 'M12 11v5.5', 'M12 7.5v.01'],
  bolt: ['M13 2.5 5 13.5h6l-1 8 8-11h-6l1-8Z'],
  wifiOff: ['M3 3l18 18', 'M8.5 16.5a5 5 0 0 1 7 0', 'M5 12.5a10 10 0 0 1 5-2.6', 'M14.5 10a10 10 0 0 1 4.5 2.5', 'M12 20v.01'],
} as const satisfies Record<string, readonly string[]>;

export type IconName = keyof typeof ICONS;
