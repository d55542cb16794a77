const numberFormat = new Intl.NumberFormat();

export const fmtInt = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : numberFormat.format(n);

export const fmtTime = (ms: number | null | undefined, utc = false): string => {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  return utc
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : d.toLocaleString();
};

export const fmtScore = (x: number): string => (Math.abs(x) >= 1000 ? x.toExponential(2) : x.toFixed(3));

export const fmtBytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
};
