/** ECharts, with only the charts and components the dashboard draws (smaller bundle). */
import { BarChart, FunnelChart, HeatmapChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([CanvasRenderer, LineChart, BarChart, HeatmapChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent]);

export { default as VChart, THEME_KEY } from "vue-echarts";

export const REDUCED_MOTION_QUERY = "(prefers-reduced-motion: reduce)";

/**
 * The charts' theme: a visitor who asked their system for less motion gets every chart drawn
 * in its final state at once, without ECharts' entry and update animations (WCAG 2.3.3).
 * A theme only fills what a chart's own option leaves unset, and no chart sets `animation`.
 */
export function chartTheme(reducedMotion: boolean): { animation?: false } {
  return reducedMotion ? { animation: false } : {};
}

export function prefersReducedMotion(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia(REDUCED_MOTION_QUERY).matches;
}
