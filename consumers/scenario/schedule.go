package scenario

import "math"

// schedule calls run(i) for every i of tenants (the tenant of the i-th
// group of requests of a batch), at most slots at once and at most
// perTenant of one tenant at once while another tenant has work waiting.
// Whenever a slot frees, the next call goes to the tenant after the last
// one served, in the order tenants first appear, that has work waiting and
// is under perTenant: round-robin, so a tenant that polled many heavy runs
// gets one slot after another tenant's light run has had its turn. A slot
// that no tenant under perTenant wants goes to one over it, so that a
// tenant alone is not held to perTenant. It returns when every call has
// returned.
func schedule(tenants []string, slots, perTenant int, run func(i int)) {
	q := newTenantQueues(tenants)
	done := make(chan string)
	active := 0
	for {
		for active < slots {
			i, ok := q.pick(perTenant)
			if !ok {
				break
			}
			active++
			go func() {
				run(i)
				done <- tenants[i]
			}()
		}
		if active == 0 {
			return
		}
		q.release(<-done)
		active--
	}
}

// tenantQueues are the waiting groups of a batch, queued per tenant.
type tenantQueues struct {
	order   []string         // tenants, in the order they first appear
	waiting map[string][]int // each tenant's waiting groups, in poll order
	running map[string]int
	next    int // the position in order where the next pick starts
}

func newTenantQueues(tenants []string) *tenantQueues {
	q := &tenantQueues{waiting: make(map[string][]int), running: make(map[string]int)}
	for i, t := range tenants {
		if _, seen := q.waiting[t]; !seen {
			q.order = append(q.order, t)
		}
		q.waiting[t] = append(q.waiting[t], i)
	}
	return q
}

// pick takes the next group to run, round-robin over the tenants that have
// one waiting and fewer than perTenant running, else over those that have
// one waiting; false when no group waits.
func (q *tenantQueues) pick(perTenant int) (int, bool) {
	for _, limit := range []int{perTenant, math.MaxInt} {
		for k := range q.order {
			t := q.order[(q.next+k)%len(q.order)]
			if len(q.waiting[t]) == 0 || q.running[t] >= limit {
				continue
			}
			i := q.waiting[t][0]
			q.waiting[t] = q.waiting[t][1:]
			q.running[t]++
			q.next = (q.next + k + 1) % len(q.order)
			return i, true
		}
	}
	return 0, false
}

// release records that a group of tenant t has finished.
func (q *tenantQueues) release(t string) { q.running[t]-- }
