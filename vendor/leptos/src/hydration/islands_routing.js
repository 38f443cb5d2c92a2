// Practice Access: Leptos 0.8.23's islands router, with the fixes listed in
// docs/islands-router.md (each marked "PA:" below). Upstream: leptos/src/hydration/islands_routing.js.
let NAVIGATION = 0;

// PA: the build this document was loaded with; a page of another build loads in full.
const BUILD = document.querySelector('meta[name="build"]')?.content;

window.addEventListener("click", async (ev) => {
	const req = clickToReq(ev);
	if(!req) {
		return;
	}

	ev.preventDefault();
	// PA: no view transition: its cross-fade holds the new page back from the hand.
	await navigateToPage(req, false);
});

window.addEventListener("popstate", async (ev) => {
	const req = new Request(window.location);
	ev.preventDefault();
	await navigateToPage(req, false, true);
});

window.addEventListener("submit", async (ev) => {
	if (ev.defaultPrevented) {
		return;
	}
		
	const req = submitToReq(ev);
	if(!req) {
		return;
	}

	ev.preventDefault();
	await navigateToPage(req, false);
});

async function navigateToPage(
	/** @type Request */
	req, 
	/** @type bool */
	useViewTransition, 
	/** @type bool */
	replace
) {
	NAVIGATION += 1;
	const currentNav = NAVIGATION;
	// PA: what the page is doing, for its islands and for tests (`body[data-navigating]`),
	// cleared however the navigation ends (unless a newer one has begun).
	document.body.dataset.navigating = "";
	try {
		await navigate(req, useViewTransition, replace, currentNav);
	} finally {
		if (NAVIGATION === currentNav) {
			delete document.body.dataset.navigating;
		}
	}
}

async function navigate(req, useViewTransition, replace, currentNav) {
	const from = new URL(window.location.href);

	// add a custom header to indicate that we're on a subsequent navigation 
	req.headers.append("Islands-Router", "true");

	// fetch the new page
	// PA: a navigation that cannot be made in place (the network failed, the answer is not
	// a page, or the page is of another build) is made as a full page load instead.
	let resp, htmlString;
	try {
		resp = await fetch(req);
		htmlString = await resp.text();
	} catch (e) {
		console.error(e);
		fullLoad(req);
		return;
	}
	const redirected = resp.redirected;
	const isPage = (resp.headers.get("content-type") || "").startsWith("text/html");

	if(NAVIGATION === currentNav) {
		const url = redirected ? resp.url : req.url;
		const doc = new DOMParser().parseFromString(htmlString, 'text/html');
		const build = doc.querySelector('meta[name="build"]')?.content;
		if (!isPage || (BUILD && build !== BUILD)) {
			fullLoad(new Request(url, req.method === "GET" ? {} : undefined), resp, req);
			return;
		}
		// The 'doc' variable now contains the parsed DOM
		const transition = async () => {
			try {
				diffPages(doc);
				for(const island of document.querySelectorAll("leptos-island")) {
					if(!island.$$hydrated) {
						__hydrateIsland(island, island.dataset.component);
						island.$$hydrated = true;
					}
				}
			} catch(e) {
				console.error(e);
			}
		};
		// Not all browsers support startViewTransition; see https://caniuse.com/?search=startViewTransition
		if (useViewTransition && document.startViewTransition) {
			await document.startViewTransition(transition).updateCallbackDone;
		} else {
			await transition()
		}

		if(replace) {
			window.history.replaceState(undefined, null, url);
		} else {
			window.history.pushState(undefined, null, url);
		}
		arrived(from, new URL(url), replace);
	}
}

// PA: the fallback. A navigation's GET is made again as a page load; an answer to a
// form's POST that is not a page of this build is shown by loading the address it ended at.
function fullLoad(req, resp) {
	const url = resp && resp.redirected ? resp.url : req.url;
	window.location.assign(url);
}

// PA: what a browser does with a new document, done for a page patched in place: a new
// page starts at the top with the focus on its autofocus field or its heading; the same page (a filter, a page of
// a list) keeps its scroll, and its focus where the focused element is still there. Then
// the page's islands hear of it (`islands-router:navigated`).
function arrived(from, to, wasPop) {
	const samePage = from.pathname === to.pathname;
	if (!samePage && !wasPop) {
		window.scrollTo(0, 0);
	}
	const focusLost = !document.activeElement || document.activeElement === document.body
		|| !document.activeElement.isConnected;
	if (!samePage || focusLost) {
		// As in a new document: its autofocus, else its main heading.
		const heading = document.querySelector("main [autofocus]") || document.querySelector("main h1");
		if (heading) {
			if (!heading.hasAttribute("tabindex")) {
				heading.setAttribute("tabindex", "-1");
			}
			heading.focus({ preventScroll: samePage });
		}
	}
	delete document.body.dataset.navigating;
	window.dispatchEvent(new CustomEvent("islands-router:navigated", { detail: { from: from.href, to: to.href } }));
}

function clickToReq(ev) {
	// confirm that this is an <a> that meets our requirements
	if (
		ev.defaultPrevented ||
		ev.button !== 0 ||
		ev.metaKey ||
		ev.altKey ||
		ev.ctrlKey ||
		ev.shiftKey
	      )
        return;

      /** @type HTMLAnchorElement | undefined;*/
      const a = ev
        .composedPath()
        .find(el => el instanceof Node && el.nodeName.toUpperCase() === "A");

	if (!a) return;

     const svg = a.namespaceURI === "http://www.w3.org/2000/svg";
	const href = svg ? a.href.baseVal : a.href;
      const target = svg ? a.target.baseVal : a.target;
      if (target || (!href && !a.hasAttribute("state"))) return;

      const rel = (a.getAttribute("rel") || "").split(/\s+/);
      if (a.hasAttribute("download") || (rel?.includes("external"))) return;

      const url = svg ? new URL(href, document.baseURI) : new URL(href);
      if (
        url.origin !== window.location.origin // ||  
	      // TODO base
        //(basePath && url.pathname && !url.pathname.toLowerCase().startsWith(basePath.toLowerCase()))
      )
        return; 

      // PA: a link to a place on this page (`#main`) stays the browser's.
      if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) {
        return;
      }

      return new Request(url);
}

function submitToReq(ev) {
	const target = ev.target;
	/** @type HTMLFormElement */
	let form;
	if(target instanceof HTMLFormElement) {
		form = target;
	} else {
		if(!target.form) {
			return;
		}
		form = target.form;
	}

	// PA: read the attributes, not the properties: a field named "method" or "action" (the
	// audit log's Action filter) shadows `form.method` and `form.action`.
	const method = (form.getAttribute("method") || "get").toUpperCase();
	if(method !== "GET" && method !== "POST") {
		return;
	}

	// PA: the button that sent the form says where (`formaction`) and adds its own name
	// and value (`name="bulk" value="7"`), as a browser's own submission does.
	const submitter = ev.submitter;
	const url = new URL(
		submitter?.getAttribute("formaction") ? submitter.formAction : (form.getAttribute("action") ?? ""),
		window.location.href,
	);
	if (url.origin !== window.location.origin) {
		return;
	}
	let path = url.pathname;
	const requestInit = {};
	const data = new FormData(form, submitter || undefined);

	const params = new URLSearchParams();
	for (const [key, value] of data.entries()) {
		// PA: a GET form's empty fields stay out of the address (`?access=with`, not
		// `?clients=&plan=&access=with`).
		if (method === "GET" && value === "") {
			continue;
		}
		params.append(key, value);
	}

	requestInit.headers = { 
		Accept: "text/html"
	};
	if(method === "GET") {
		path += `?${params.toString()}`;
	}
	else {
		requestInit.method = "POST";
		requestInit.body = params; 
	}

	return new Request(
		path,
		requestInit
	);
}


function diffPages(doc) {
	// PA: a page parsed here has scripting off, so its `<noscript>` holds elements; in the
	// document shown it holds text. Made text, it is compared as the document has it.
	for (const noscript of doc.querySelectorAll("noscript")) {
		noscript.textContent = noscript.innerHTML;
	}
	diffRange(document, document, doc, doc);
}

function diffRange(oldDocument, oldRoot, newDocument, newRoot, oldEnd, newEnd) {
	const oldDocWalker = oldDocument.createTreeWalker(oldRoot);
	const newDocWalker = newDocument.createTreeWalker(newRoot);
	let oldNode = oldDocWalker.currentNode;
	let newNode = newDocWalker.currentNode;

	while (oldDocWalker.nextNode() && newDocWalker.nextNode()) {
		oldNode = oldDocWalker.currentNode;
		newNode = newDocWalker.currentNode;

		if (oldNode == oldEnd || newNode == newEnd) {
			break;
		}

		// if the nodes are different, we need to replace the old with the new
		// because of the typed view tree, this should never actually happen
		if (oldNode.nodeType !== newNode.nodeType) {
			// PA: replaced whole, and both walks go on after it (a moved node would leave the
			// walk of the new document without its place).
			replaceSubtree(oldDocWalker, newDocWalker, oldNode, newNode);
		}
		// if it's a text node, just update the text with the new text
		else if (oldNode.nodeType === Node.TEXT_NODE) {
			if (oldNode.textContent !== newNode.textContent) {
				oldNode.textContent = newNode.textContent;
			}
		}
		// islands should not be diffed on the client, because we do not want to overwrite client-side state 
		// but their children should be diffed still, because they could contain new server content
		else if (oldNode.nodeType === Node.ELEMENT_NODE && oldNode.tagName === "LEPTOS-ISLAND") {
			// TODO: diff the leptos-children 

			// skip over leptos-island otherwise
			// PA: unless it is another island, or the same one drawn otherwise by the server
			// (other props, other children): then it is replaced, and the new one hydrates.
			// An island draws itself from its props; what the server puts inside it is its
			// children (`<leptos-children>`), compared as drawn.
			if (oldNode.dataset.component !== newNode.dataset.component
				|| oldNode.dataset.props !== newNode.dataset.props
				|| oldNode.$$children !== childrenHtml(newNode)) {
				replaceSubtree(oldDocWalker, newDocWalker, oldNode, newNode);
			} else {
				skipSubtree(oldDocWalker);
				skipSubtree(newDocWalker);
			}
		}
		// if it's an element, replace if it's a different tag, or update attributes
		else if (oldNode.nodeType === Node.ELEMENT_NODE) {
			// PA: an element whose children differ in number (a list of another length, a
			// part shown or not) is replaced whole: walking on through it would pair nodes
			// that do not belong together.
			if (oldNode.tagName === "HEAD") {
				// PA: the head keeps its stylesheets and scripts (replaced, they would load
				// again and the page would flash); the title follows the page.
				if (document.title !== newDocument.title) {
					document.title = newDocument.title;
				}
				skipSubtree(oldDocWalker);
				skipSubtree(newDocWalker);
			} else if (oldNode.tagName !== newNode.tagName) {
				replaceSubtree(oldDocWalker, newDocWalker, oldNode, newNode);
			} else if (oldNode.childNodes.length !== newNode.childNodes.length) {
				// PA: the document's own `<html>` and `<body>` stay (they carry what the page
				// set on them here, `data-hydrated`); their children are replaced.
				if (oldNode === document.body || oldNode === document.documentElement) {
					diffElement(oldNode, newNode);
					replaceChildren(oldDocWalker, newDocWalker, oldNode, newNode);
				} else {
					replaceSubtree(oldDocWalker, newDocWalker, oldNode, newNode);
				}
			} else {
				diffElement(oldNode, newNode);
			}
		}
		// we use comment "branch marker" nodes to distinguish between different branches in the statically-typed view tree
		// if one of these marker is hit, then there are two options
		// 1) it's the same branch, and we just keep walking until the end 
		// 2) it's a different branch, in which case the old can be replaced with the new wholesale
		else if (oldNode.nodeType === Node.COMMENT_NODE) {
			const oldText = oldNode.textContent;
			const newText = newNode.textContent;
			if(oldText.startsWith("bo-for")) {
				replaceFor(oldDocument, oldDocWalker, newDocument, newDocWalker, oldNode, newNode);
			}
			else if (oldText.startsWith("bo-item")) {
				// skip, this means we're diffing a new item within a For
			}
			else if(oldText.startsWith("bo") && newText !== oldText) {
				replaceBranch(oldDocWalker, newDocWalker, oldNode, newNode);
			}
		}
	}
}

// PA: moves a walker to the last node inside `node`, so that its next step leaves it.
function skipSubtree(walker) {
	const node = walker.currentNode;
	let last = node;
	while (last.lastChild) {
		last = last.lastChild;
	}
	walker.currentNode = last;
}

// PA: replaces `oldNode` with a copy of `newNode`, and moves both walks past them. The
// focus, when it was inside, goes to the same field of the copy (by its id): a filter that
// was just changed keeps the focus.
function replaceSubtree(oldDocWalker, newDocWalker, oldNode, newNode) {
	const copy = take(newDocWalker, newNode);
	const refocus = keepFocus(oldNode);
	oldNode.replaceWith(copy);
	oldDocWalker.currentNode = copy;
	skipSubtree(oldDocWalker);
	refocus();
}

// PA: moves `newNode` out of the parsed page into this document (moved, not copied: a copy
// of a page of the matrix took 80 ms), leaving an empty comment for the walk of the
// parsed page to go on from.
function take(newDocWalker, newNode) {
	const placeholder = newNode.ownerDocument.createComment("");
	newNode.replaceWith(placeholder);
	newDocWalker.currentNode = placeholder;
	const moved = document.adoptNode(newNode);
	remember(moved);
	return moved;
}

// PA: when the focus is inside `node`, which is about to be replaced, answers how to give
// it back afterwards: to the element of the same id.
function keepFocus(node) {
	const active = document.activeElement;
	if (!active || active === document.body || !node.contains(active) || !active.id) {
		return () => {};
	}
	return () => document.getElementById(active.id)?.focus({ preventScroll: true });
}

// PA: replaces the children of `oldNode` with copies of those of `newNode`, keeping the
// element itself, and moves both walks past them.
function replaceChildren(oldDocWalker, newDocWalker, oldNode, newNode) {
	const copies = [...newNode.childNodes].map((child) => {
		const copy = document.adoptNode(child);
		remember(copy);
		return copy;
	});
	newDocWalker.currentNode = newNode;
	const refocus = keepFocus(oldNode);
	oldNode.replaceChildren(...copies);
	refocus();
	oldDocWalker.currentNode = oldNode;
	skipSubtree(oldDocWalker);
}

function replaceFor(oldDocument, oldDocWalker, newDocument, newDocWalker, oldNode, newNode) {
	oldDocWalker.nextNode();
	newDocWalker.nextNode();
	const oldRange = new Range();
	const newRange = new Range();
	let oldBranches = 1;
	let newBranches = 1;

	const oldKeys = {};
	const newKeys = {};

	while(oldBranches > 0) {
		const c = oldDocWalker.currentNode;
		if(c.nodeType === Node.COMMENT_NODE) {
			const t = c.textContent;
			if(t.startsWith("bo-for")) {
				oldBranches += 1;
			} else if(t.startsWith("bc-for")) {

				oldBranches -= 1;
			} else if (t.startsWith("bo-item")) {
				const k = t.replace("bo-item-", "");
				oldKeys[k] = { open: c, close: null };
			} else if (t.startsWith("bc-item")) {
				const k = t.replace("bc-item-", "");
				oldKeys[k].close = c;
			}
		}
		if(!oldDocWalker.nextNode()) {
			break;
		}
	}
	while(newBranches > 0) {
		const c = newDocWalker.currentNode;
		if(c.nodeType === Node.COMMENT_NODE) {
			const t = c.textContent;
			if(t.startsWith("bo-for")) {
				newBranches += 1;
			} else if(t.startsWith("bc-for")) {

				newBranches -= 1;
			} else if (t.startsWith("bo-item")) {
				const k = t.replace("bo-item-", "");
				newKeys[k] = { open: c, close: null };
			} else if (t.startsWith("bc-item")) {
				const k = t.replace("bc-item-", "");
				newKeys[k].close = c;
			}
		}
		if(!newDocWalker.nextNode()) {
			break;
		}
	}

	for(const key in oldKeys) {
		if(newKeys[key]) {
			const oldOne = oldKeys[key];
			const newOne = newKeys[key];
			const oldRange = new Range();
			const newRange = new Range();

			// then replace the item in the *new* list with the *old* DOM elements 
			oldRange.setStartAfter(oldOne.open);
			oldRange.setEndBefore(oldOne.close);
			newRange.setStartAfter(newOne.open);
			newRange.setEndBefore(newOne.close);
			const oldContents = oldRange.extractContents();
			const newContents = newRange.extractContents();

			// patch the *old* DOM elements with the new ones
			diffRange(oldDocument, oldContents, newDocument, newContents, oldOne.close, newOne.close);

			// then insert the old DOM elements into the new tree 
			// this means you'll end up with any new attributes or content from the server, 
			// but with any old DOM state (because they are the old elements)
			newRange.insertNode(oldContents);
			newOne.open.replaceWith(oldOne.open);
			newOne.close.replaceWith(oldOne.close);
		}
	}

	try {
		oldRange.setStartAfter(oldNode);
		oldRange.setEndBefore(oldDocWalker.currentNode);
		newRange.setStartAfter(newNode);
		newRange.setEndAfter(newDocWalker.currentNode);
		const newContents = newRange.extractContents();
		oldRange.deleteContents();
		oldRange.insertNode(newContents);
		oldNode.replaceWith(newNode);
		oldDocWalker.currentNode.replaceWith(newDocWalker.currentNode);
	} catch (e) {
		console.error(e);
	}
}

// Advances the walker from a branch's opening marker comment to its matching
// closing marker, leaving it as the walker's currentNode. Every node after
// the opening marker is examined (including the first one: a branch may
// begin with a nested branch marker, e.g. when a view starts with a
// component that renders no element). Returns false if the walker is
// exhausted before the branch is balanced.
function seekBranchClose(walker) {
	let branches = 1;
	while(walker.nextNode()) {
		const node = walker.currentNode;
		if(node.nodeType === Node.COMMENT_NODE) {
			if(node.textContent.startsWith("bo")) {
				branches += 1;
			} else if(node.textContent.startsWith("bc")) {
				branches -= 1;
				if(branches === 0) {
					return true;
				}
			}
		}
	}
	return false;
}

function replaceBranch(oldDocWalker, newDocWalker, oldNode, newNode) {
	const oldRange = new Range();
	const newRange = new Range();
	seekBranchClose(oldDocWalker);
	seekBranchClose(newDocWalker);

	const oldClose = oldDocWalker.currentNode;
	const newClose = newDocWalker.currentNode;

	try {
		oldRange.setStartAfter(oldNode);
		oldRange.setEndBefore(oldClose);
		newRange.setStartAfter(newNode);
		newRange.setEndBefore(newClose);
		const newContents = newRange.extractContents();
		oldRange.deleteContents();
		oldRange.insertNode(newContents);
		oldNode.textContent = newNode.textContent;
		oldClose.textContent = newClose.textContent;
	} catch (e) {
		console.error(e);
	}
}

function diffElement(oldNode, newNode) {
	/** @type Element */
	const oldEl = oldNode;
	/** @type Element */
	const newEl = newNode;
	for(const attr of newEl.attributes) {
		if (oldEl.getAttribute(attr.name) !== attr.value) {
			oldEl.setAttribute(attr.name, attr.value);
		}
	}
	// PA: an attribute the new page does not have goes (`hidden`, `aria-current`,
	// `selected`, `disabled`), as it would in a new document; but not from the document's
	// own `<html>` and `<body>`, which carry what the page set on them here (`data-hydrated`).
	if (oldEl !== document.body && oldEl !== document.documentElement) {
		for (const attr of [...oldEl.attributes]) {
			if (!newEl.hasAttribute(attr.name)) {
				oldEl.removeAttribute(attr.name);
			}
		}
	}
	// PA: a form field's value and state follow the page, as in a new document (an
	// attribute alone does not change a field that was typed in or chosen).
	if (oldEl instanceof HTMLInputElement) {
		if (oldEl.type === "checkbox" || oldEl.type === "radio") {
			oldEl.checked = newEl.hasAttribute("checked");
		} else if (oldEl !== document.activeElement && oldEl.type !== "file") {
			oldEl.value = newEl.getAttribute("value") ?? "";
		}
	} else if (oldEl instanceof HTMLOptionElement) {
		oldEl.selected = newEl.hasAttribute("selected");
	} else if (oldEl instanceof HTMLTextAreaElement && oldEl !== document.activeElement) {
		oldEl.value = newEl.textContent;
	}
}

// PA: each island keeps the HTML of the children the server drew in it, to tell whether
// a new page draws it otherwise (taken before it hydrates).
function remember(node) {
	if (node.nodeType !== Node.ELEMENT_NODE) {
		return;
	}
	for (const island of [node, ...node.querySelectorAll("leptos-island")]) {
		if (island.tagName === "LEPTOS-ISLAND") {
			island.$$children = childrenHtml(island);
		}
	}
}

function childrenHtml(island) {
	let html = "";
	for (const children of island.querySelectorAll("leptos-children")) {
		html += children.innerHTML;
	}
	return html;
}

for(const island of document.querySelectorAll("leptos-island")) {
	island.$$hydrated = true;
	island.$$children = childrenHtml(island);
}
