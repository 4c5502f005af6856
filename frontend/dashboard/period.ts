/**
 * The report period and granularity live in the URL (?start=&end=&granularity=), so a page can
 * be bookmarked, shared and reloaded as it is; every page reads them from here.
 */
import { computed, ref, watch, type Ref } from "vue";
import { useRoute, useRouter, type LocationQuery } from "vue-router";

import { ApiProblem } from "./api/client";
import { daysBefore, isoDay } from "./format";

export type Granularity = "day" | "week" | "month";
export interface ReportPeriod {
  start: string;
  end: string;
  granularity: Granularity;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function periodFromQuery(query: LocationQuery, today: Date = new Date()): ReportPeriod {
  const end = typeof query.end === "string" && DAY.test(query.end) ? query.end : isoDay(today);
  const start = typeof query.start === "string" && DAY.test(query.start) ? query.start : daysBefore(end, 29);
  const granularity = (["day", "week", "month"] as const).find((value) => value === query.granularity) ?? "day";
  return { start, end, granularity };
}

export function usePeriod() {
  const route = useRoute();
  const router = useRouter();
  const period = computed(() => periodFromQuery(route.query));
  function update(change: Partial<ReportPeriod>): void {
    void router.replace({ query: { ...route.query, ...change } });
  }
  return { period, update };
}

/** Loading, error and data of one request; `reload` asks again (a panel's "Try again"). */
export interface Loader<T> {
  data: Ref<T | null>;
  error: Ref<string | null>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
}

/** Loading, error and data of one request that reruns whenever its inputs change. */
export function useLoader<T>(inputs: () => unknown, load: () => Promise<T>): Loader<T> {
  const data: Ref<T | null> = ref(null);
  const error = ref<string | null>(null);
  const loading = ref(true);
  let latest = 0;
  async function run(): Promise<void> {
    const mine = ++latest;
    loading.value = true;
    error.value = null;
    try {
      const result = await load();
      if (mine === latest) data.value = result;
    } catch (problem) {
      if (mine === latest) {
        error.value = problem instanceof ApiProblem ? problem.describe() : "The dashboard could not reach the shop.";
      }
    } finally {
      if (mine === latest) loading.value = false;
    }
  }
  watch(inputs, run, { immediate: true, deep: true });
  return { data, error, loading, reload: run };
}
