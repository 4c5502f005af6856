/** ECharts, with only the charts and components the dashboard draws (smaller bundle). */
import { BarChart, FunnelChart, HeatmapChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([CanvasRenderer, LineChart, BarChart, HeatmapChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent]);

export { default as VChart } from "vue-echarts";
