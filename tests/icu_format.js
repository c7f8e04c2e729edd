// The ICU side of tests/test_icu.py: formats value cases with Node's Intl.
//
// stdin:  a JSON list of cases, each {"locale", "op", "args", "options"} (see IcuRequest in icu_diff.py)
// stdout: a JSON list of strings, one per case
//
// Plain Node, no packages, no network. A case that ICU refuses gives "error: <message>".
"use strict";

const OPS = {
  number: (c) => new Intl.NumberFormat(c.locale, c.options).format(c.args[0]),
  "number-range": (c) => new Intl.NumberFormat(c.locale, c.options).formatRange(c.args[0], c.args[1]),
  list: (c) => new Intl.ListFormat(c.locale, c.options).format(c.args),
  // The plural category, then the number as printed: a form must agree with the number it shows.
  plural: (c) => `${new Intl.PluralRules(c.locale).select(c.args[0])} ${new Intl.NumberFormat(c.locale).format(c.args[0])}`,
  relative: (c) => new Intl.RelativeTimeFormat(c.locale, c.options).format(c.args[0], "day"),
  date: (c) => {
    // "zone" is ours, not Intl's: the time zone written in that timeZoneName style ("longOffset": GMT-05:00).
    const { zone, ...options } = c.options;
    const when = new Date(c.args[0]);
    const parts = new Intl.DateTimeFormat(c.locale, options).formatToParts(when);
    if (zone) {
      const named = new Intl.DateTimeFormat(c.locale, { timeZone: options.timeZone, timeZoneName: zone });
      const written = named.formatToParts(when).find((p) => p.type === "timeZoneName").value;
      for (const p of parts) if (p.type === "timeZoneName") p.value = written;
    }
    return parts.map((p) => p.value).join("");
  },
};

function format(c) {
  const op = OPS[c.op];
  if (!op) return `error: unknown op ${c.op}`;
  try {
    return op(c);
  } catch (e) {
    return `error: ${e.message}`;
  }
}

const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(format)));
