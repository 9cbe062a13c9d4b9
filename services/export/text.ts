/** Small text helpers shared by the documents people read (the compliance report, a subject's package). */

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The day of an ISO time, or a dash. */
export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—');
