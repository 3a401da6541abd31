// The site's one script: copy buttons, ← and → between lessons, and the diagrams. A classic
// script, not a module, so that it runs from file:// as well as from a server.

for (const button of document.querySelectorAll('button[data-copy]')) {
  const label = button.textContent;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = 'Copied';
    } catch {
      // No clipboard here (a page served over plain http, say): select it for Ctrl+C instead.
      getSelection().selectAllChildren(source);
      button.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
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
  // One light theme: in dark mode the stylesheet inverts the drawing, and it prints as drawn.
  window.mermaid.initialize({ startOnLoad: false, theme: 'neutral', securityLevel: 'strict' });
  window.mermaid
    .run({ querySelector: 'pre.mermaid' })
    .catch((error) => console.error(`a diagram could not be drawn: ${error?.message ?? error}`));
}
