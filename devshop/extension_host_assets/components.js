// A small stand-in for Shopify's Polaris web components: the few our extensions use, rendered
// as plain accessible HTML in the light DOM, so role locators find them. Props arrive as
// attributes (kebab-case), as the extension sets them.
(() => {
  const define = (name, cls) => customElements.get(name) || customElements.define(name, cls);
  const h = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };

  define('s-text', class extends HTMLElement {});
  define('s-stack', class extends HTMLElement {});
  define('s-spinner', class extends HTMLElement {
    connectedCallback() {
      this.setAttribute('role', 'progressbar');
      this.setAttribute('aria-label', this.getAttribute('accessibility-label') || '');
    }
  });

  // A heading attribute becomes a real heading before the children.
  class Headed extends HTMLElement {
    level = 'h2';
    connectedCallback() {
      if (this.done) return;
      this.done = true;
      const heading = this.getAttribute('heading');
      if (heading) this.prepend(h(this.level, { textContent: heading }));
    }
  }
  define('s-section', class extends Headed {});
  define('s-banner', class extends Headed {
    level = 'strong';
    connectedCallback() {
      this.setAttribute('role', this.getAttribute('tone') === 'critical' ? 'alert' : 'status');
      super.connectedCallback();
    }
  });

  define('s-button', class extends HTMLElement {
    static observedAttributes = ['disabled', 'loading'];
    connectedCallback() {
      if (this.button) return;
      // With an href, Polaris renders a link; it navigates the top page, as Shopify's does.
      const href = this.getAttribute('href');
      this.button = href ? h('a', { href, target: '_top' }) : h('button', { type: 'button' });
      this.button.append(...this.childNodes);
      this.append(this.button);
      this.attributeChangedCallback();
    }
    attributeChangedCallback() {
      if (!this.button) return;
      this.button.disabled = this.hasAttribute('disabled') || this.hasAttribute('loading');
      this.button.setAttribute('aria-busy', String(this.hasAttribute('loading')));
    }
  });

  define('s-choice', class extends HTMLElement {});
  define('s-choice-list', class extends HTMLElement {
    values = [];
    connectedCallback() {
      if (this.done) return;
      this.done = true;
      const name = this.getAttribute('name') || 'choice';
      const disabled = this.hasAttribute('disabled');
      const fieldset = h('fieldset', {}, h('legend', { textContent: this.getAttribute('label') || '' }));
      for (const choice of [...this.querySelectorAll('s-choice')]) {
        const input = h('input', { type: 'radio', name, value: choice.getAttribute('value'), disabled });
        input.checked = choice.hasAttribute('selected');
        if (input.checked) this.values = [input.value];
        fieldset.append(h('label', {}, input, ' ', choice.textContent));
        choice.remove();
      }
      const error = this.getAttribute('error');
      if (error) fieldset.append(h('p', { className: 's-error', role: 'alert', textContent: error }));
      this.append(fieldset);
      // Capture: `values` is current before the extension's own change listener runs.
      this.addEventListener('change', (event) => {
        if (event.target.type === 'radio') this.values = [event.target.value];
      }, true);
    }
  });

  define('s-text-area', class extends HTMLElement {
    connectedCallback() {
      if (this.field) return;
      this.field = h('textarea', { name: this.getAttribute('name') || '', disabled: this.hasAttribute('disabled') });
      this.field.value = this.getAttribute('value') || '';
      this.append(h('label', {}, this.getAttribute('label') || '', this.field));
    }
    get value() {
      return this.field ? this.field.value : this.getAttribute('value') || '';
    }
  });

  define('s-number-field', class extends HTMLElement {
    connectedCallback() {
      if (this.field) return;
      this.field = h('input', { type: 'number', name: this.getAttribute('name') || '', disabled: this.hasAttribute('disabled') });
      for (const name of ['min', 'max', 'step', 'value']) {
        if (this.hasAttribute(name)) this.field.setAttribute(name, this.getAttribute(name));
      }
      this.field.value = this.getAttribute('value') || '';
      this.append(h('label', {}, this.getAttribute('label') || '', ' ', this.field));
    }
    get value() {
      return this.field ? this.field.value : this.getAttribute('value') || '';
    }
  });

  define('s-heading', class extends HTMLElement {
    connectedCallback() {
      this.setAttribute('role', 'heading');
      this.setAttribute('aria-level', '2');
    }
  });

  // A labelled one-line field; `error` is said next to it and marks it invalid.
  let fields = 0;
  define('s-text-field', class extends HTMLElement {
    connectedCallback() {
      if (this.field) return;
      const id = `s-text-field-${++fields}`;
      this.field = h('input', { type: 'text', id, name: this.getAttribute('name') || '', disabled: this.hasAttribute('disabled') });
      this.field.value = this.getAttribute('value') || '';
      this.append(h('label', { htmlFor: id, textContent: this.getAttribute('label') || '' }), this.field);
      const error = this.getAttribute('error');
      if (error) {
        this.field.setAttribute('aria-invalid', 'true');
        this.field.setAttribute('aria-describedby', `${id}-error`);
        this.append(h('p', { className: 's-error', id: `${id}-error`, textContent: error }));
      }
    }
    get value() {
      return this.field ? this.field.value : this.getAttribute('value') || '';
    }
  });

  // The order action modal: a heading, the body, and the slotted buttons in a footer.
  define('s-customer-account-action', class extends Headed {
    connectedCallback() {
      if (this.done) return;
      const footer = h('div', { className: 's-footer' });
      footer.append(...this.querySelectorAll(':scope > [slot="secondary-actions"], :scope > [slot="primary-action"]'));
      super.connectedCallback();
      this.append(footer);
    }
  });
})();
