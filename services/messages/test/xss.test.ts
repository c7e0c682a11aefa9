import { Parser } from 'htmlparser2';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewBlock } from '../src/previews.js';
import { ALLOWED_TAGS, LINK_ATTRIBUTES, renderMarkdown, sanitize } from '../src/render.js';
import { MessagesWorld, messageShape } from './helpers.js';

/** Inputs that try to smuggle executable markup into a message. */
const CORPUS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '[click](javascript:alert(1))',
  '[click](JAVASCRIPT:alert(1))',
  '[click](  javascript:alert(1))',
  '[click](java&#x09;script:alert(1))',
  '<a href="javascript&colon;alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  "<a href='//evil.example'>protocol-relative</a>",
  '<img src=x onerror=alert(1)>',
  '![x](javascript:alert(1))',
  '<p onclick="alert(1)">x</p>',
  '<b onmouseover=alert(1)>x</b>',
  '<a href="http://ok.example" style="x" onfocus=alert(1) autofocus>x</a>',
  '<a href="http://x.example" title="x"onmouseover=alert(1)>y</a>',
  '[x](http://a.example "title\\" onmouseover=\\"alert(1)")',
  '<svg><script>alert(1)</script></svg>',
  '<svg onload=alert(1)>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<object data="javascript:alert(1)"></object><embed src=x>',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<<script>script>alert(1)<</script>/script>',
  '<scr<script>ipt>alert(1)</script>',
  '<!--<script>alert(1)//--><script>alert(1)</script>',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:/">',
  '<input onfocus=alert(1) autofocus><details open ontoggle=alert(1)>',
  '<template><script>alert(1)</script></template>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<textarea><script>alert(1)</script></textarea>',
  'https://example.com/"><script>alert(1)</script>',
  '`<script>alert(1)</script>`',
  '```\n<img src=x onerror=alert(1)>\n```',
  '<a href="http://x.example">unclosed <b>bold <p>para',
  '</p></a><a href=javascript:alert(1)>',
];

const ALLOWED_SCHEMES = /^(https?:|mailto:)/i;

/** Fails unless `html` holds only allowlisted tags, link attributes and safe link targets. */
function expectInert(html: string): void {
  for (const match of html.matchAll(/<\/?([a-zA-Z][^\s/>]*)/g)) {
    expect(ALLOWED_TAGS).toContain(match[1]?.toLowerCase());
  }
  const parser = new Parser({
    onopentag(name, attributes) {
      expect(ALLOWED_TAGS).toContain(name);
      for (const [attribute, value] of Object.entries(attributes)) {
        expect(name).toBe('a');
        expect(['href', 'rel', 'target']).toContain(attribute);
        if (attribute === 'href') expect(value).toMatch(ALLOWED_SCHEMES);
      }
      if (name === 'a') {
        expect(attributes['rel']).toBe(LINK_ATTRIBUTES.rel);
        expect(attributes['target']).toBe(LINK_ATTRIBUTES.target);
      }
    },
  });
  parser.end(html);
}

describe('the XSS corpus', () => {
  it.each(CORPUS)('when %j is rendered, then no executable markup comes out', (source) => {
    expectInert(renderMarkdown(source));
  });

  it.each(CORPUS)(
    'when %j is a link-preview title or description, then it is escaped',
    (payload) => {
      const block = previewBlock('http://example.com/"onmouseover="alert(1)', {
        title: payload,
        description: payload,
      });

      expectInert(sanitize(`<p>x</p>${block}`));
    },
  );
});

describe('rendering', () => {
  it.each([
    ['**b** *i* `c` ~~d~~', '<p><strong>b</strong> <em>i</em> <code>c</code> <del>d</del></p>'],
    ['> quoted', '<blockquote>\n<p>quoted</p>\n</blockquote>'],
    ['- a\n- b', '<ul>\n<li>a</li>\n<li>b</li>\n</ul>'],
    ['1. a', '<ol>\n<li>a</li>\n</ol>'],
    ['line\nbreak', '<p>line<br />break</p>'],
    ['```\ncode\n```', '<pre><code>code\n</code></pre>'],
    ['# Title', '<p>Title</p>'],
    [
      'see https://example.com/a?b=1',
      '<p>see <a href="https://example.com/a?b=1" rel="nofollow noopener noreferrer" target="_blank">https://example.com/a?b=1</a></p>',
    ],
    [
      '[site](http://example.com)',
      '<p><a href="http://example.com" rel="nofollow noopener noreferrer" target="_blank">site</a></p>',
    ],
  ])('when %j is rendered, then %s', (source, html) => {
    expect(renderMarkdown(source)).toBe(html);
  });
});

describe('the corpus through the API', () => {
  let world: MessagesWorld;
  beforeAll(async () => {
    world = await MessagesWorld.create({ allowPrivate: false });
  });
  afterAll(async () => {
    await world.close();
  });

  it('when every payload is posted, then every stored and broadcast html is inert', async () => {
    for (const source of CORPUS) {
      const response = await request(world.app)
        .post('/api/messages')
        .auth(world.user().token, { type: 'bearer' })
        .send({ source });
      const message = messageShape.parse(response.body);

      expect(response.status).toBe(201);
      expect(message.source).toBe(source);
      expectInert(message.html);
    }
    for (const message of world.events.updates) expectInert(message.html);
  });
});
