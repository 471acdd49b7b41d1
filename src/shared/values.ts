const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real calendar date written `YYYY-MM-DD`, from year 1 (there is no year 0 in the calendar, nor in PostgreSQL). */
export function isBusinessDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m || Number(m[1]) < 1) return false;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** The business date `days` calendar days after `date` (before it, when negative). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The calendar day before a business date. */
export const dayBefore = (date: string): string => addDays(date, -1);

/** A UUID in either case (as clients may send it). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The one spelling of an id the service stores: lower case. */
export const normaliseId = (id: string): string => id.toLowerCase();

/** The one spelling of text the service stores: without surrounding white space. */
export const normaliseText = (text: string): string => text.trim();

/** Today in the unions' own time zone: the default `asOf`, and the latest business date a fact may carry. */
export function businessToday(timeZone = 'Asia/Ho_Chi_Minh', now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
