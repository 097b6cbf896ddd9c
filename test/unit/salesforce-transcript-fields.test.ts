import { describe, expect, it } from 'vitest';
import { contentNoteFields, contentNoteHtml } from '../../src/crm/salesforce/content-note.ts';
import { MAX_TASK_DESCRIPTION, taskDefaults, taskDescription, taskSubject } from '../../src/crm/salesforce/task-fields.ts';

describe('contentNoteHtml', () => {
  it('keeps only the five basic entities and leaves other characters as Unicode', () => {
    expect(contentNoteHtml('<p>Tom &amp; Jerry&apos;s &quot;caf&eacute;&quot;&nbsp;&lt;3 &#128512; \'ok\' "q"</p>')).toBe(
      '<p>Tom &amp; Jerry&#39;s &quot;café&quot;\u00a0&lt;3 😀 &#39;ok&#39; &quot;q&quot;</p>',
    );
  });

  it('turns line breaks into spaces, or <br /> inside <pre>', () => {
    expect(contentNoteHtml('<p>one\ntwo</p>\n\n<pre><code>a\r\nb\n</code></pre>')).toBe('<p>one two</p><pre><code>a<br />b<br /></code></pre>');
  });

  it('keeps note formatting and drops what notes cannot hold', () => {
    expect(contentNoteHtml('<h2>Summary</h2><hr><ul><li><strong>b</strong> <em>i</em></li></ul><table><tr><td>cell</td></tr></table><a href="https://x.example/?a=1&b=2" onclick="x()">link</a><script>alert(1)</script><img src=x onerror=alert(1)>')).toBe(
      '<p>Summary</p><br /><ul><li><strong>b</strong> <em>i</em></li></ul>cell<a href="https://x.example/?a=1&amp;b=2">link</a>',
    );
  });

  it('refuses javascript: links', () => {
    expect(contentNoteHtml('<a href="javascript:alert(1)">x</a>')).toBe('<a>x</a>');
  });
});

describe('contentNoteFields', () => {
  it('base64-encodes the HTML and trims the title to 255 characters', () => {
    const fields = contentNoteFields({ title: ` ${'T'.repeat(300)} `, html: '<p>é &amp; ü</p>', text: '' });
    expect(fields.Title).toHaveLength(255);
    expect(fields.Title.endsWith('…')).toBe(true);
    expect(Buffer.from(fields.Content, 'base64').toString('utf8')).toBe('<p>é &amp; ü</p>');
  });

  it('never sends an empty note', () => {
    const fields = contentNoteFields({ title: 'Chat <1>', html: '<script>x</script>', text: '' });
    expect(Buffer.from(fields.Content, 'base64').toString('utf8')).toBe('<p>Chat &lt;1&gt;</p>');
  });
});

describe('taskDescription', () => {
  it('keeps a transcript that fits', () => {
    expect(taskDescription({ title: 't', html: '', text: 'short' })).toBe('short');
  });

  it('cuts a long transcript on a word boundary with a visible marker and the link', () => {
    const text = Array.from({ length: 8_000 }, (_, i) => `word${i}`).join(' ');
    const description = taskDescription({ title: 't', html: '', text, sourceUrl: 'https://platform.example/c/1' });
    expect(description.length).toBeLessThanOrEqual(MAX_TASK_DESCRIPTION);
    const [shown, marker] = description.split('\n\n[Transcript truncated: ');
    expect(text.startsWith(shown!)).toBe(true);
    expect(text.charAt(shown!.length)).toBe(' ');
    expect(marker).toBe(`${shown!.length.toLocaleString('en-US')} of ${text.length.toLocaleString('en-US')} characters shown. Full conversation: https://platform.example/c/1]`);
  });

  it('never ends on half a surrogate pair', () => {
    const text = '😀'.repeat(20_000);
    const description = taskDescription({ title: 't', html: '', text });
    const shown = description.split('\n\n[Transcript truncated')[0]!;
    expect(shown.length % 2).toBe(0);
    expect(description.length).toBeLessThanOrEqual(MAX_TASK_DESCRIPTION);
  });
});

describe('taskDefaults', () => {
  const body = { title: 'Website conversation', html: '', text: 'transcript' };

  it('logs a completed call on the conversation day', () => {
    expect(taskDefaults(body, '2026-04-10T23:59:07Z', true)).toEqual({
      Subject: 'Website conversation',
      Description: 'transcript',
      Status: 'Completed',
      ActivityDate: '2026-04-10',
      TaskSubtype: 'Call',
    });
  });

  it('leaves TaskSubtype out of updates (Salesforce sets it only on create)', () => {
    expect(taskDefaults(body, undefined, false)).toEqual({ Subject: 'Website conversation', Description: 'transcript', Status: 'Completed' });
  });

  it('limits the subject to 255 characters', () => {
    expect(taskSubject('x'.repeat(400))).toHaveLength(255);
    expect(taskSubject('  ')).toBe('Website conversation');
  });
});
