// Runs Enketo's transformer (its web build, which uses the browser's XSLTProcessor) on every
// XForm listed in list.json and writes one JSON verdict per form into <pre id="result">.
// A form passes when the transformer returns without throwing, the HTML form and the model are
// there, and every control of the XForm's body (by its ref) has its field in the HTML form.
import { transform } from './transformer.js';

const out = document.getElementById('result');

function controlRefs(xml) {
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    if (doc.getElementsByTagName('parsererror').length > 0) {
        throw new Error('the XForm is not well-formed XML');
    }
    const refs = [];
    const tags = ['input', 'select1', 'select', 'upload', 'range', 'rank', 'trigger', 'odk:rank'];
    for (const el of doc.getElementsByTagName('*')) {
        if (!tags.includes(el.localName)) continue;
        // Only controls of the body (h:body), not the model's instance of the same names.
        let inBody = false;
        for (let p = el.parentNode; p; p = p.parentNode) {
            if (p.localName === 'body') { inBody = true; break; }
        }
        const ref = el.getAttribute('ref');
        if (inBody && ref) refs.push(ref);
    }
    return refs;
}

async function one(name) {
    const xform = await (await fetch('xforms/' + name)).text();
    try {
        const refs = controlRefs(xform);
        const result = await transform({ xform });
        if (!result.form || !result.form.includes('<form')) return { name, ok: false, why: 'no HTML form' };
        if (!result.model || !result.model.includes('<model')) return { name, ok: false, why: 'no model' };
        if (refs.length === 0) return { name, ok: false, why: 'no control in the body' };
        const html = new DOMParser().parseFromString(result.form, 'text/html');
        const named = new Set();
        for (const el of html.querySelectorAll('[name], [data-name]')) {
            if (el.getAttribute('name')) named.add(el.getAttribute('name'));
            if (el.getAttribute('data-name')) named.add(el.getAttribute('data-name'));
        }
        const missing = refs.filter((r) => !named.has(r));
        if (missing.length > 0) return { name, ok: false, why: 'no field for ' + missing.slice(0, 5).join(', ') };
        return { name, ok: true, controls: refs.length };
    } catch (e) {
        return { name, ok: false, why: 'transformer threw: ' + (e && e.message ? e.message : String(e)) };
    }
}

(async () => {
    try {
        const names = await (await fetch('list.json')).json();
        const results = [];
        for (const n of names) results.push(await one(n));
        out.textContent = 'RESULT ' + JSON.stringify(results);
    } catch (e) {
        out.textContent = 'RESULT-ERROR ' + String(e);
    }
})();
