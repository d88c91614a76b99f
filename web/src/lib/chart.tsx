// A bar/line chart with uPlot (small, canvas): days on x, one series.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "preact/hooks";

export function Chart({ title, xs, ys, label, bars }: { title: string; xs: number[]; ys: number[]; label: string; bars?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const width = Math.max(300, Math.min(680, el.clientWidth || 320));
    const plot = new uPlot(
      {
        title,
        width,
        height: 200,
        series: [
          {},
          {
            label,
            stroke: "#0b6e4f",
            fill: "rgba(11,110,79,0.2)",
            paths: bars ? uPlot.paths.bars!({ size: [0.6, 40] }) : undefined,
          },
        ],
        axes: [{}, {}],
      },
      [xs, ys],
      el,
    );
    return () => plot.destroy();
  }, [title, xs.join(","), ys.join(",")]);
  return <div class="chart" ref={box} role="img" aria-label={`${title}: ${ys.join(", ")}`} data-testid="chart" />;
}
