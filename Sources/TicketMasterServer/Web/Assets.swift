/// The pages' style sheet and script, served from the binary: no CDN, nothing downloaded at run time. The
/// script only adds live progress; every action works without it.
enum Assets {
    static let css = """
        :root { color-scheme: light dark; --accent: #2457c5; --muted: #667; --line: #ccd; font-family: system-ui, sans-serif; }
        body { margin: 0; line-height: 1.5; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
        header { border-bottom: 1px solid var(--line); padding: .5rem 1rem; }
        nav { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
        nav .brand { font-weight: 700; margin-right: auto; }
        main { max-width: 70rem; margin: 0 auto; padding: 1rem; }
        footer { max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); }
        a { color: var(--accent); }
        table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        form.stacked { display: grid; gap: .35rem; max-width: 40rem; margin: 1rem 0; }
        form.inline { display: inline; } .toolbar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: 1rem 0; }
        input, select, textarea, button { font: inherit; padding: .3rem .5rem; }
        fieldset label { white-space: nowrap; margin-right: .75rem; display: inline-block; }
        textarea { width: 100%; font-family: ui-monospace, monospace; }
        button { cursor: pointer; }
        :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .error { color: #b00020; font-weight: 600; } .notice { background: #eef4ff; color: #123; padding: .5rem; }
        .note, .meta { color: var(--muted); margin: .2rem 0; }
        .state { font-weight: 600; } .state.failed { color: #b00020; } .state.filed, .state.drafted { color: #1b7f3b; }
        .events { max-height: 20rem; overflow-y: auto; font-family: ui-monospace, monospace; font-size: .9rem; }
        article.draft { border: 1px solid var(--line); border-radius: .4rem; padding: .75rem 1rem; margin: 1rem 0; }
        article.draft.approved { border-left: .4rem solid #1b7f3b; } article.draft.skipped { opacity: .75; }
        article.draft.filed { border-left: .4rem solid var(--accent); }
        pre.body { white-space: pre-wrap; overflow-wrap: anywhere; }
        .buttons { display: flex; gap: .5rem; }
        @media (max-width: 40rem) { table { font-size: .85rem; } nav { gap: .4rem; } }
        .scroll { overflow-x: auto; } .pair { white-space: nowrap; display: inline-block; } td button { white-space: nowrap; }
        td code { overflow-wrap: anywhere; } .hint { font-size: .9rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        """

    static let javascript = """
        "use strict";
        // Live progress: the run page's event list follows the run over Server-Sent Events; the browser resumes
        // from the last event it saw after a dropped connection. When the run's stretch ends, the page reloads to
        // show its drafts.
        document.addEventListener("DOMContentLoaded", () => {
          const list = document.getElementById("events");
          if (!list || !list.dataset.source || !window.EventSource) return;
          const source = new EventSource(list.dataset.source);
          source.addEventListener("message", (message) => {
            if (Number(message.lastEventId) <= Number(list.dataset.last || 0)) return;
            list.dataset.last = message.lastEventId;
            const event = JSON.parse(message.data);
            if (event.progress) {
              const line = document.getElementById("progress-line");
              if (line) line.textContent = event.summary;
              return;
            }
            const item = document.createElement("li");
            item.textContent = event.summary;
            list.appendChild(item);
            list.scrollTop = list.scrollHeight;
          });
          source.addEventListener("end", () => {
            source.close();
            window.location.reload();
          });
        });

        // Inline edits: a draft's form (edit, approve, reject) and the bulk form are sent in the background and
        // the drafts section is replaced by the server's new rendering of it, so the page keeps its place. The
        // forms post exactly as they would without the script (the same fields, the same form token).
        document.addEventListener("submit", async (event) => {
          const form = event.target;
          if (!(form instanceof HTMLFormElement) || !(form.classList.contains("edit") || form.id === "bulk")) return;
          const section = document.getElementById("drafts-section");
          if (!section || !window.fetch || !window.DOMParser) return;
          event.preventDefault();
          // FormData also holds the checkboxes that belong to the bulk form through their form attribute.
          const body = new URLSearchParams(new FormData(form, event.submitter));
          const status = document.getElementById("draft-status");
          try {
            const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
            const page = new DOMParser().parseFromString(await response.text(), "text/html");
            const fresh = page.getElementById("drafts-section");
            if (!response.ok || !fresh) {
              const problem = page.querySelector(".error");
              if (status) status.textContent = problem ? problem.textContent : "The change was not saved.";
              return;
            }
            section.replaceWith(fresh);
            const note = document.getElementById("draft-status");
            if (note) note.textContent = "Saved.";
          } catch (error) {
            form.submit();
          }
        });
        """
}
