import { supportedSimd } from "simdlinear";
import { byId } from "./dom.js";
import "./style.css";

byId("backend").textContent = `this browser runs the ${supportedSimd()[0]} build`;
