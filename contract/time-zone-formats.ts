/**
 * Date formatters kept per time zone and options: creating an `Intl.DateTimeFormat` costs about 70 times what
 * formatting with it does, and the bridge and the workflows format for every message and completion.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

export function dateTimeFormatIn(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone} ${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { ...options, timeZone });
    formats.set(key, format);
  }
  return format;
}
