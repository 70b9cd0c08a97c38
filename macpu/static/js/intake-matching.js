// Matching at intake on the contact form (macpu.intake.views.contact_matches): while a practitioner types a
// child's name, date of birth, NHS number or the household's address, the people already known who may be that
// child appear beside them, with how likely each is the same child.
//
// The form carries the look-up's address in data-macpu-matching; each child's fieldset carries its row in
// data-macpu-matching-row and holds a live region (.macpu-matches) the answer is put in. The details go by POST
// (with the form's CSRF token), never in an address. Without JavaScript, each child's "Check for people already
// known" button sends the form without saving it and the page comes back with the same list.

const WAIT_MS = 300 // after the last key press

function rowFields (form, row) {
  const data = new FormData()
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]')
  if (token) data.append('csrfmiddlewaretoken', token.value)
  data.append('row', row)
  for (const name of ['address', 'postcode']) {
    const field = form.elements.namedItem(name)
    if (field) data.append(name, field.value)
  }
  const prefix = `child_${row}_`
  for (const field of form.elements) {
    if (field.name && field.name.startsWith(prefix)) data.append(field.name, field.value)
  }
  return data
}

function watch (form) {
  const url = form.dataset.macpuMatching
  const timers = new Map()
  const latest = new Map() // row -> the number of the last look-up sent, so an older answer never replaces a newer one

  async function lookUp (row) {
    const region = document.getElementById(`child-${row}-matches`)
    if (!region) return
    const sent = (latest.get(row) || 0) + 1
    latest.set(row, sent)
    try {
      const response = await fetch(url, {
        method: 'POST',
        body: rowFields(form, row),
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'fetch' }
      })
      if (!response.ok || latest.get(row) !== sent) return
      region.innerHTML = await response.text()
    } catch (error) {
      // Offline or the server did not answer: the button still works.
    }
  }

  function later (row) {
    clearTimeout(timers.get(row))
    timers.set(row, setTimeout(() => lookUp(row), WAIT_MS))
  }

  form.addEventListener('input', (event) => {
    const name = event.target.name || ''
    const match = name.match(/^child_(\d+)_/)
    if (match) {
      later(match[1])
    } else if (name === 'address' || name === 'postcode') {
      for (const fieldset of form.querySelectorAll('[data-macpu-matching-row]')) {
        later(fieldset.dataset.macpuMatchingRow)
      }
    }
  })
}

for (const form of document.querySelectorAll('form[data-macpu-matching]')) watch(form)
