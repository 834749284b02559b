// Choosing a SKU from spec values. `chosen` holds one value per spec ('' = not chosen yet);
// a value is offered only when some in-stock SKU has it together with the other choices.

function matches(sku, chosen, skipIndex) {
  return chosen.every((value, index) => index === skipIndex || !value || sku.spec_values[index] === value)
}

/** The SKU with exactly the chosen values, or null while a spec is still open. */
function findSku(skus, chosen) {
  if (chosen.some((value) => !value)) return null
  return skus.find((sku) => matches(sku, chosen, -1)) || null
}

/** For each spec, its values with {value, chosen, disabled}. */
function optionStates(specs, skus, chosen) {
  return specs.map((spec, specIndex) =>
    spec.values.map((value) => ({
      value,
      chosen: chosen[specIndex] === value,
      disabled: !skus.some((sku) => sku.stock > 0 && sku.spec_values[specIndex] === value && matches(sku, chosen, specIndex)),
    }))
  )
}

/** A sold-out value may still be chosen (greyed) when a SKU has it: to ask for 到货提醒. */
function exists(skus, chosen, specIndex, value) {
  return skus.some((sku) => sku.spec_values[specIndex] === value && matches(sku, chosen, specIndex))
}

/**
 * Pre-chosen values: the first SKU in stock, in the merchant's order, so "立即购买 → 立即购买"
 * buys it without a choice to make; with nothing in stock, the specs that have one value.
 */
function initialChoice(specs, skus) {
  const first = skus.find((sku) => sku.stock > 0)
  if (first) return first.spec_values.slice()
  return specs.map((spec) => (spec.values.length === 1 ? spec.values[0] : ''))
}

/** The SKU bought without opening the sheet: the goods item's only SKU, when it is in stock. */
function soleSku(skus) {
  return skus.length === 1 && skus[0].stock > 0 ? skus[0] : null
}

/** Choosing a value again clears it; choosing another replaces the old one. */
function toggle(chosen, specIndex, value) {
  return chosen.map((current, index) => (index !== specIndex ? current : current === value ? '' : value))
}

function missingSpecNames(specs, chosen) {
  return specs.filter((spec, index) => !chosen[index]).map((spec) => spec.name)
}

/** {min, max} price over SKUs that match the choices so far (all SKUs if none match). */
function priceRange(skus, chosen) {
  const candidates = skus.filter((sku) => matches(sku, chosen, -1))
  const prices = (candidates.length ? candidates : skus).map((sku) => sku.price_fen)
  return { min: Math.min(...prices), max: Math.max(...prices) }
}

function specText(chosen) {
  return chosen.filter(Boolean).join(' / ')
}

module.exports = { findSku, exists, optionStates, initialChoice, soleSku, toggle, missingSpecNames, priceRange, specText }
