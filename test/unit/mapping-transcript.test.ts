/** Transcript rendering for notes: turns → Markdown, Markdown → safe HTML and plain text. */
import { describe, expect, it } from 'vitest';
import { markdownToSafeHtml, textToSafeHtml } from '../../src/transcript/markdown-html.ts';
import { markdownToPlainText } from '../../src/transcript/markdown-text.ts';
import { renderTranscriptMarkdown } from '../../src/transcript/render-turns.ts';

const ts = '2026-04-10T12:34:01Z';

describe('renderTranscriptMarkdown', () => {
  it('writes **Speaker:** text paragraphs, keeping line breaks', () => {
    const md = renderTranscriptMarkdown([
      { role: 'agent', text: "Hi! I'm Sam...", ts },
      { role: 'user', text: 'Do you cater vegan?\nFor 50 people', ts },
      { role: 'system', text: 'handoff', ts },
    ]);
    expect(md).toBe("**Agent:** Hi! I'm Sam...\n\n**Visitor:** Do you cater vegan?  \nFor 50 people\n\n**System:** handoff");
  });

  it('shows a visitor line as typed even when it looks like Markdown, but renders the agent’s Markdown', () => {
    const md = renderTranscriptMarkdown([
      { role: 'user', text: 'My list:\n# 1 priority\n- not a bullet\n2. not numbered\n> not a quote', ts },
      { role: 'agent', text: 'Options:\n- Vegan\n- Vegetarian', ts },
    ]);
    expect(markdownToSafeHtml(md)).toBe(
      '<p><strong>Visitor:</strong> My list:<br /># 1 priority<br />- not a bullet<br />2. not numbered<br />&gt; not a quote</p>\n' +
        '<p><strong>Agent:</strong> Options:  </p>\n<ul>\n<li>Vegan  </li>\n<li>Vegetarian</li>\n</ul>',
    );
  });
});

describe('markdownToSafeHtml', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['**Visitor:** <img src=x onerror=alert(1)>', '<p><strong>Visitor:</strong> &lt;img src=x onerror=alert(1)&gt;</p>'],
    ['<div onclick="steal()">hi</div>', '&lt;div onclick="steal()"&gt;hi&lt;/div&gt;'],
    ['- [ ] task list', '<ul>\n<li> task list</li>\n</ul>'],
    ['[click](javascript:alert(1))', '<p><a>click</a></p>'],
    ['[data](data:text/html;base64,PHNjcmlwdD4=)', '<p><a>data</a></p>'],
    ['![pixel](https://tracker.example/p.gif)', '<p>pixel</p>'],
    ['[menu](https://northwind.example/menu "Menu")', '<p><a href="https://northwind.example/menu">menu</a></p>'],
    ['mail me: jane@contoso.example', '<p>mail me: <a href="mailto:jane@contoso.example">jane@contoso.example</a></p>'],
    ['**bold** and *em* and `code`', '<p><strong>bold</strong> and <em>em</em> and <code>code</code></p>'],
  ])('%s → %s', (markdown, html) => {
    expect(markdownToSafeHtml(markdown)).toBe(html);
  });

  it('escapes plain text shown as HTML', () => {
    expect(textToSafeHtml('a <b>\nc\n\nd & e')).toBe('<p>a &lt;b&gt;<br>c</p>\n<p>d &amp; e</p>');
  });
});

describe('markdownToPlainText', () => {
  it('drops formatting, spells out followable links, keeps structure', () => {
    expect(markdownToPlainText('**Agent:** see [menu](https://x.example/m) or [bad](javascript:alert(1))\n\n- one\n- **two**\n\n1. a\n2. b\n\n> quoted\n\n---')).toBe(
      'Agent: see menu (https://x.example/m) or bad\n\n- one\n- two\n\n1. a\n2. b\n\n> quoted\n\n---',
    );
  });

  it('keeps what a visitor typed, including angle brackets', () => {
    expect(markdownToPlainText('**Visitor:** 3 < 5 & <b>x</b>  \nnext line')).toBe('Visitor: 3 < 5 & <b>x</b>\nnext line');
  });
});
