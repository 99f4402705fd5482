/* Entry of the modeler bundle, built by esbuild on `npm ci` (package.json
   "postinstall") into app/static/vendor-build/modeler.bundle.{js,css}.
   The npm packages ship ES modules only, so the browser gets one IIFE that
   sets window.BpmnModeler, window.camundaModdle and the modules to pass to it. */
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";

import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";

window.BpmnModeler = BpmnModeler;
window.camundaModdle = camundaModdle;
window.camundaModelerModules = [
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
  CamundaBehaviorsModule,
];
