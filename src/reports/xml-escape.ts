// Characters XML 1.0 cannot carry at all, not even as character references: C0 controls other
// than tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// A raw carriage return would be normalised to a newline by any reader.
const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  // Without these, attribute-value normalisation turns line breaks and tabs into spaces.
  '\n': '&#10;',
  '\t': '&#9;',
};

/**
 * Escapes text for an XML 1.0 element body. Characters XML cannot carry are written the way
 * pytest does (`#x1B`), so an ANSI colour code stays visible instead of breaking the document.
 */
export function escapeXmlText(text: string): string {
  return replaceForbidden(text).replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] as string);
}

/** Escapes text for a double- or single-quoted XML 1.0 attribute value. */
export function escapeXmlAttribute(text: string): string {
  return replaceForbidden(text).replace(/[&<>"'\n\r\t]/g, (c) => ATTRIBUTE_ESCAPES[c] as string);
}

function replaceForbidden(text: string): string {
  return text.replace(FORBIDDEN, (c) => `#x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
