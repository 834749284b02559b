const { Pager } = require('../../src/utils/pager')

function fakeComponent() {
  return {
    data: { items: [], loadStatus: 'idle', loaded: false, total: 0 },
    setData(changes) {
      Object.assign(this.data, changes)
    },
  }
}

test('pages are appended until the total is reached', async () => {
  const component = fakeComponent()
  const fetch = jest.fn((page) => Promise.resolve({ items: page === 1 ? [1, 2] : [3], total: 3 }))
  const pager = new Pager(component, fetch, { pageSize: 2 })
  await pager.reset()
  expect(component.data).toMatchObject({ items: [1, 2], loadStatus: 'idle', loaded: true })
  await pager.more()
  expect(component.data).toMatchObject({ items: [1, 2, 3], loadStatus: 'done' })
  await pager.more()
  expect(fetch).toHaveBeenCalledTimes(2)
})

test('an answer to a request made before reset() is dropped', async () => {
  const component = fakeComponent()
  let releaseOld
  const fetch = jest
    .fn()
    .mockImplementationOnce(() => new Promise((resolve) => (releaseOld = () => resolve({ items: ['old'], total: 1 }))))
    .mockImplementationOnce(() => Promise.resolve({ items: ['new'], total: 1 }))
  const pager = new Pager(component, fetch)
  const first = pager.reset()
  await pager.reset()
  releaseOld()
  await first
  expect(component.data.items).toEqual(['new'])
})

test('a failed page can be retried', async () => {
  const component = fakeComponent()
  const fetch = jest.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValueOnce({ items: [1], total: 1 })
  const pager = new Pager(component, fetch)
  await pager.reset()
  expect(component.data.loadStatus).toBe('error')
  await pager.more()
  expect(component.data).toMatchObject({ items: [1], loadStatus: 'done' })
})

test('replace() swaps or drops one item', async () => {
  const component = fakeComponent()
  const pager = new Pager(component, () => Promise.resolve({ items: [{ id: 1 }, { id: 2 }], total: 2 }))
  await pager.reset()
  pager.replace((item) => item.id === 1, { id: 1, changed: true })
  pager.replace((item) => item.id === 2, null)
  expect(component.data.items).toEqual([{ id: 1, changed: true }])
})
