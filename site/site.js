// The site's one script: copy buttons, the language switch, ← and → between lessons, and the
// diagrams. A classic script, not a module, so that it runs from file:// as well as from a server.

for (const button of document.querySelectorAll('button[data-copy]')) {
  const label = button.textContent;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = button.dataset.copied;
    } catch {
      // No clipboard here (a page served over plain http, say): select it for Ctrl+C instead.
      getSelection().selectAllChildren(source);
      button.textContent = button.dataset.selected;
    }
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
}

// The language chosen on the switch is the one every page opens in from now on (the script at the
// top of each page goes to it); until a choice is made, the browser's first language decides.
for (const choice of document.querySelectorAll('a[data-lang]')) {
  choice.addEventListener('click', () => {
    try {
      localStorage.setItem('sockets-kit-lang', choice.dataset.lang);
    } catch {
      // No storage (a browser that keeps none for file://): the switch still leads there.
    }
  });
}

// An exercise's TODO, in sight in the starter's panel when the page opens.
const todo = document.querySelector('#source .marked');
const panel = todo?.closest('pre');
if (panel && panel.scrollHeight > panel.clientHeight) {
  const above = todo.getBoundingClientRect().top - panel.getBoundingClientRect().top;
  panel.scrollTop = Math.max(0, above - 3 * todo.getBoundingClientRect().height);
}

addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  // Arrows inside the code scroll it, and inside a form field move the cursor.
  if (event.target.closest?.('pre, input, textarea, select, [contenteditable]')) return;
  const rel = { ArrowLeft: 'prev', ArrowRight: 'next' }[event.key];
  const target = rel && document.querySelector(`link[rel="${rel}"]`);
  if (target) location.href = target.href;
});

if (window.mermaid) {
  // Diagrams are drawn at their own size, in the page's font, never shrunk to the column's width:
  // shrunk, lesson 20's labels were 7.5 px high beside 17 px text. Long messages wrap inside the
  // diagram, so that each fits the column at 1280 wide; on a phone it scrolls sideways.
  const font = getComputedStyle(document.body).fontFamily;
  // The participants are file names: `nowrap:` keeps each whole (mermaid's wrap would cut it
  // anywhere, adding hyphens that are not in it), and a long one goes on two lines after the
  // hyphen nearest its middle, a hyphen that is in the name.
  const twoLines = (name) => {
    const middle = (cut) => Math.abs(cut - name.length / 2);
    const cuts = [...name.matchAll(/-/g)]
      .map((m) => m.index + 1)
      .sort((a, b) => middle(a) - middle(b));
    return name.length < 18 || !cuts[0]
      ? name
      : `${name.slice(0, cuts[0])}<br>${name.slice(cuts[0])}`;
  };
  for (const pre of document.querySelectorAll('pre.mermaid'))
    pre.textContent = pre.textContent.replace(
      /^(\s*(?:participant|actor)\s+\S+\s+as\s+)(?!(?:no)?wrap:)(.*)$/gm,
      (_, head, name) => `${head}nowrap:${twoLines(name.trim())}`,
    );
  // One light theme: in dark mode the stylesheet inverts the drawing, and it prints as drawn.
  window.mermaid.initialize({
    startOnLoad: false,
    theme: 'neutral',
    securityLevel: 'strict',
    fontFamily: font,
    themeVariables: { fontFamily: font },
    sequence: {
      useMaxWidth: false,
      wrap: true,
      width: 120,
      actorMargin: 30,
      actorFontFamily: font,
      messageFontFamily: font,
      noteFontFamily: font,
    },
  });
  window.mermaid
    .run({ querySelector: 'pre.mermaid' })
    .then(() => {
      // mermaid wraps a label at its spaces, and cuts a longer word with a hyphen. Chinese has no
      // spaces, and may break between any two characters: there, the hyphen goes.
      for (const label of document.querySelectorAll('pre.mermaid svg tspan, pre.mermaid svg text'))
        for (const text of label.childNodes)
          if (text.nodeType === Node.TEXT_NODE && /\p{Script=Han}-$/u.test(text.data))
            text.data = text.data.slice(0, -1);
      document.documentElement.dataset.diagrams = 'drawn';
    })
    .catch((error) => console.error(`a diagram could not be drawn: ${error?.message ?? error}`));
}
