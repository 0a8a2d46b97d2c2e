// Tools & Help (instance-runtime.md §4.3): the cards of /etc/portal-links.yaml,
// the built-in ones and PORTAL_LINKS, embedded in the page by the server with the
// problems found. Every field is rendered as text; links only for http(s) URLs.
(function () {
  "use strict";
  const { $, el, safeHref } = window.Portal;
  const ICONS = {
    link: "🔗",
    book: "📖",
    code: "</>",
    terminal: ">_",
    cube: "⬢",
    globe: "🌐",
    tool: "🔧",
    tag: "🏷",
    grid: "▦",
    gpu: "▣",
    rocket: "🚀",
    image: "🖼",
    download: "⬇",
    star: "★",
    zap: "⚡",
    database: "🗄",
  };
  function linkButton(url, text, className) {
    const href = safeHref(url);
    if (href === null) return null;
    return el("a", { className, href, target: "_blank", rel: "noopener noreferrer", textContent: text });
  }
  function renderTools() {
    const data = JSON.parse($("tools-data").textContent || "{}");
    const errors = data.errors || [];
    $("tools-errors").hidden = errors.length === 0;
    $("tools-errors").replaceChildren(
      el("strong", { textContent: "Some links could not be shown:" }),
      el("ul", {}, ...errors.map((e) => el("li", { textContent: e }))),
    );
    $("tools").replaceChildren(
      ...(data.cards || []).map((c) => {
        const card = el(
          "article",
          { className: "card tool" },
          el(
            "div",
            { className: "tool-head" },
            el("span", { className: "icon", textContent: ICONS[c.icon] || ICONS.link }),
            el("h2", { textContent: c.label }),
          ),
          c.description ? el("p", { textContent: c.description }) : null,
          el(
            "div",
            { className: "tool-actions" },
            linkButton(c.url, c.button_text || "Open", "button primary"),
            ...(c.links || []).map((l) => linkButton(l.url, l.label, "button")),
          ),
        );
        card.dataset.source = c.source;
        return card;
      }),
    );
  }

  renderTools();
})();
